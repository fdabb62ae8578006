/**
 * One GitHub Actions `::error` workflow command: `::error k=v,...::message`
 * and a newline, with properties and message escaped as `@actions/core`
 * escapes them, so that a message may span lines.
 */
export function githubAnnotation(properties: readonly (readonly [name: string, value: string | number])[], message: string): string {
  const listed = properties.map(([name, value]) => `${name}=${escapeProperty(String(value))}`).join(",");
  return `::error ${listed}::${escapeData(message)}\n`;
}

function escapeData(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}
