// Parsing of request targets and of the headers the content routes use: query parameters,
// Range, If-None-Match; and building Content-Disposition. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/status.h"

namespace archived::http {

// Decodes %XX and '+' (as space). Errors: kInvalidArgument for a bad escape.
StatusOr<std::string> UrlDecode(std::string_view text);
// Encodes everything except RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view text);

struct Target {
  std::string path;  // decoded
  std::multimap<std::string, std::string> query;
  // The first value of `name`, or nullopt.
  std::optional<std::string> Get(std::string_view name) const;
  std::vector<std::string> GetAll(std::string_view name) const;
};
// Errors: kInvalidArgument for bad escapes or a target that is not an absolute path.
StatusOr<Target> ParseTarget(std::string_view target);

// A satisfiable single byte range, inclusive.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};
enum class RangeResult { kNone, kSatisfiable, kUnsatisfiable };
// Parses a Range header against a body of `size` bytes. Only single ranges are honoured; a
// multi-range or malformed header is ignored (kNone: send the whole body), as RFC 9110 allows.
RangeResult ParseRange(std::string_view header, std::uint64_t size, ByteRange* range);

// True if an If-None-Match header matches the strong entity tag `etag` (given unquoted).
bool IfNoneMatchMatches(std::string_view header, std::string_view etag);

// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266).
std::string ContentDisposition(std::string_view filename);

}  // namespace archived::http
