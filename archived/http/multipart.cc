#include "archived/http/multipart.h"

#include <algorithm>
#include <cctype>

#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/http/query.h"

namespace archived::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Splits `value` on ';' outside quotes and returns the parameter `name` (unquoted), if any.
std::optional<std::string> Parameter(std::string_view value, std::string_view name) {
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t end = i;
    bool quoted = false;
    while (end < value.size() && (quoted || value[end] != ';')) {
      if (value[end] == '"') quoted = !quoted;
      else if (value[end] == '\\' && quoted) ++end;
      ++end;
    }
    const std::string_view item = TrimSpacesAndTabs(value.substr(i, end - i));
    const std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && Lower(TrimSpacesAndTabs(item.substr(0, eq))) == name) {
      std::string_view v = TrimSpacesAndTabs(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        std::string out;
        for (std::size_t k = 1; k + 1 < v.size(); ++k) {
          if (v[k] == '\\' && k + 2 < v.size()) ++k;
          out.push_back(v[k]);
        }
        return out;
      }
      return std::string(v);
    }
    i = end + 1;
  }
  return std::nullopt;
}

}  // namespace

MultipartParser::MultipartParser(std::string boundary, const MultipartLimits& limits,
                                 Callbacks callbacks)
    : delimiter_("\r\n--" + boundary), limits_(limits), callbacks_(std::move(callbacks)) {
  // The first boundary may start the body without a CRLF before it.
  pending_ = "\r\n";
}

Status MultipartParser::Feed(std::string_view data) {
  if (state_ == State::kDone) {
    return OkStatus();  // the epilogue is ignored
  }
  pending_.append(data);
  bool progressed = true;
  while (progressed && state_ != State::kDone) {
    progressed = false;
    ARCHIVED_RETURN_IF_ERROR(Step(&progressed));
  }
  return OkStatus();
}

Status MultipartParser::Step(bool* progressed) {
  switch (state_) {
    case State::kPreamble: {
      const std::size_t at = pending_.find(delimiter_);
      if (at == std::string::npos) {
        if (pending_.size() > 64 * 1024) {
          return InvalidArgumentError("multipart body: no boundary found");
        }
        return OkStatus();
      }
      pending_.erase(0, at + delimiter_.size());
      state_ = State::kAfterBoundary;
      *progressed = true;
      return OkStatus();
    }
    case State::kAfterBoundary: {
      // Transport padding (spaces, tabs) may follow a boundary before its CRLF.
      std::size_t i = 0;
      while (i < pending_.size() && (pending_[i] == ' ' || pending_[i] == '\t')) ++i;
      if (pending_.size() - i < 2) return OkStatus();
      if (pending_.compare(i, 2, "--") == 0) {
        state_ = State::kDone;
        pending_.clear();
        *progressed = true;
        return OkStatus();
      }
      if (pending_.compare(i, 2, "\r\n") != 0) {
        return InvalidArgumentError("multipart body: malformed boundary line");
      }
      if (++parts_ > limits_.max_parts) {
        return InvalidArgumentError("multipart body: more than " + std::to_string(limits_.max_parts) + " parts");
      }
      pending_.erase(0, i + 2);
      state_ = State::kHeaders;
      *progressed = true;
      return OkStatus();
    }
    case State::kHeaders: {
      const std::size_t end = pending_.find("\r\n\r\n");
      const bool empty_headers = pending_.starts_with("\r\n");
      if (end == std::string::npos && !empty_headers) {
        if (pending_.size() > limits_.max_part_header_bytes) {
          return InvalidArgumentError("multipart body: part headers too large");
        }
        return OkStatus();
      }
      const std::size_t block_end = empty_headers ? 0 : end;
      if (block_end > limits_.max_part_header_bytes) {
        return InvalidArgumentError("multipart body: part headers too large");
      }
      ARCHIVED_RETURN_IF_ERROR(ParseHeaders(std::string_view(pending_).substr(0, block_end)));
      pending_.erase(0, empty_headers ? 2 : end + 4);
      state_ = State::kBody;
      *progressed = true;
      return OkStatus();
    }
    case State::kBody: {
      const std::size_t at = pending_.find(delimiter_);
      if (at == std::string::npos) {
        // Keep a tail that could be the start of a delimiter split across pieces.
        const std::size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
        const std::size_t emit = pending_.size() - keep;
        if (emit > 0) {
          ARCHIVED_RETURN_IF_ERROR(callbacks_.on_part_data(std::string_view(pending_).substr(0, emit)));
          pending_.erase(0, emit);
        }
        return OkStatus();
      }
      if (at > 0) {
        ARCHIVED_RETURN_IF_ERROR(callbacks_.on_part_data(std::string_view(pending_).substr(0, at)));
      }
      ARCHIVED_RETURN_IF_ERROR(callbacks_.on_part_end());
      pending_.erase(0, at + delimiter_.size());
      state_ = State::kAfterBoundary;
      *progressed = true;
      return OkStatus();
    }
    case State::kDone:
      return OkStatus();
  }
  return OkStatus();
}

Status MultipartParser::ParseHeaders(std::string_view block) {
  MultipartPart part;
  bool has_disposition = false;
  while (!block.empty()) {
    const std::size_t eol = block.find("\r\n");
    const std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return InvalidArgumentError("multipart body: malformed part header");
    }
    const std::string name = Lower(TrimSpacesAndTabs(line.substr(0, colon)));
    const std::string_view value = TrimSpacesAndTabs(line.substr(colon + 1));
    if (name == "content-disposition") {
      if (Lower(value.substr(0, value.find(';'))) != "form-data") {
        return InvalidArgumentError("multipart body: part is not form-data");
      }
      has_disposition = true;
      part.name = Parameter(value, "name").value_or("");
      if (auto extended = Parameter(value, "filename*")) {
        // RFC 5987: charset'language'percent-encoded
        const std::size_t quote = extended->find('\'', extended->find('\'') + 1);
        if (quote != std::string::npos) {
          auto decoded = UrlDecode(std::string_view(*extended).substr(quote + 1));
          if (decoded.ok()) part.filename = std::move(*decoded);
        }
      }
      if (part.filename.empty()) {
        part.filename = Parameter(value, "filename").value_or("");
      }
    } else if (name == "content-type") {
      part.content_type = std::string(value);
    }
  }
  if (!has_disposition || part.name.empty()) {
    return InvalidArgumentError("multipart body: part without a Content-Disposition name");
  }
  return callbacks_.on_part_begin(part);
}

Status MultipartParser::Finish() const {
  if (state_ != State::kDone) {
    return InvalidArgumentError("multipart body: ends before its closing boundary");
  }
  return OkStatus();
}

StatusOr<std::string> MultipartBoundary(std::string_view content_type) {
  const std::string type = Lower(TrimSpacesAndTabs(content_type.substr(0, content_type.find(';'))));
  if (type != "multipart/form-data") {
    return InvalidArgumentError("Content-Type: expected multipart/form-data");
  }
  std::optional<std::string> boundary = Parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return InvalidArgumentError("Content-Type: multipart boundary missing or longer than 70 characters");
  }
  return *boundary;
}

}  // namespace archived::http
