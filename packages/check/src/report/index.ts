// How a check's outcome prints: violations as text for people, as JSON, or as
// GitHub annotations; an error that stopped a check as JSON or an annotation.
export { formatViolationsAsText } from "./format-violations-as-text.js";
export { formatViolationsAsJson } from "./format-violations-as-json.js";
export { formatViolationsAsGithubAnnotations } from "./format-violations-as-github-annotations.js";
export { formatErrorAsJson } from "./format-error-as-json.js";
export { formatErrorAsGithubAnnotation } from "./format-error-as-github-annotation.js";
