// A streaming multipart/form-data parser (RFC 7578): bytes are pushed in pieces of any size
// and part data is handed on as it arrives, so a part of any size costs bounded memory.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::http {

struct MultipartPart {
  std::string name;          // from Content-Disposition
  std::string filename;      // from filename* (RFC 5987) or filename; may be empty
  std::string content_type;  // may be empty
};

struct MultipartLimits {
  std::size_t max_parts = 16;               // Default: 16.
  std::size_t max_part_header_bytes = 8192; // Default: 8 KiB.
};

class MultipartParser {
 public:
  struct Callbacks {
    std::function<Status(const MultipartPart&)> on_part_begin;
    std::function<Status(std::string_view data)> on_part_data;
    std::function<Status()> on_part_end;
  };
  // `boundary` as given in the Content-Type parameter.
  MultipartParser(std::string boundary, const MultipartLimits& limits, Callbacks callbacks);

  // Errors: kInvalidArgument for malformed input or broken limits; a callback's own error.
  Status Feed(std::string_view data);
  // Errors: kInvalidArgument unless the closing boundary was seen.
  Status Finish() const;

 private:
  enum class State { kPreamble, kAfterBoundary, kHeaders, kBody, kDone };
  Status ParseHeaders(std::string_view block);
  Status Step(bool* progressed);

  const std::string delimiter_;  // "\r\n--" + boundary
  const MultipartLimits limits_;
  const Callbacks callbacks_;
  State state_ = State::kPreamble;
  std::string pending_;
  std::size_t parts_ = 0;
};

// The boundary parameter of a multipart/form-data Content-Type.
// Errors: kInvalidArgument if the type is not multipart/form-data or has no valid boundary.
StatusOr<std::string> MultipartBoundary(std::string_view content_type);

}  // namespace archived::http
