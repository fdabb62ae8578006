import { ServerProcess } from "../server-process/server-process.js";
import { NatsServerError, NatsServerErrorCode } from "./nats-server-error.js";

/**
 * A {@link ServerProcess} of `binary` that raises {@link NatsServerError}s:
 * what {@link startNatsServer} and each member of {@link startNatsCluster}
 * run; `dir`, when given, is removed when it is disposed of.
 */
export function natsProcess(binary: string, dir?: string): ServerProcess {
  return new ServerProcess({
    binary,
    ...(dir === undefined ? {} : { dir }),
    missing: (cause) =>
      new NatsServerError(
        NatsServerErrorCode.Missing,
        `${binary} is not installed (not found on the PATH): install it with \`apt-get install nats-server\` ` +
          `(Debian, 2.9.x), or point NATS_SERVER_BIN at a nats-server binary`,
        { cause },
      ),
    notReady: (message, cause) => new NatsServerError(NatsServerErrorCode.NotReady, message, cause === undefined ? undefined : { cause }),
    advice: "check the extra configuration and that the port is free",
  });
}
