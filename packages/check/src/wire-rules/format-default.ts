import type { FieldDefault } from "../proto/index.js";

/** Prints a default as buf does (Go's `%v`): `5`, `1e+06`, `"text"`, `[0x61,0x1]`, `Enum.VALUE`. */
export function formatDefault(value: FieldDefault): string {
  switch (value.kind) {
    case "integer":
      return value.value.toString();
    case "float":
      return formatGoFloat(value.value, value.bits);
    case "bool":
      return String(value.value);
    case "enum":
      return value.label;
    case "string":
      return quoteGo(new TextDecoder().decode(value.value));
    case "bytes":
      return `[${Array.from(value.value, (byte) => `0x${byte.toString(16).toUpperCase()}`).join(",")}]`;
  }
}

// Go's strconv.FormatFloat(value, 'g', -1, bits): the shortest digits that
// round-trip, in exponent form when the exponent is < -4 or >= 6.
function formatGoFloat(value: number, bits: 32 | 64): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "0", exponentText = "0"] = shortestExponential(Math.abs(value), bits).split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  const sign = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const point = exponent + 1;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function shortestExponential(value: number, bits: 32 | 64): string {
  if (bits === 64) return value.toExponential();
  for (let precision = 1; precision < 17; precision += 1) {
    const candidate = Number(value.toPrecision(precision));
    if (Math.fround(candidate) === value) return candidate.toExponential();
  }
  return value.toExponential();
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
};

// Go's strconv.Quote, for the characters a default can hold.
function quoteGo(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    quoted += GO_ESCAPES[char] ?? (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : char);
  }
  return `${quoted}"`;
}
