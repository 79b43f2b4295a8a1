// Text extraction for the full-text index: what kind of content a version holds, and its text
// as UTF-8. Every extractor runs under byte limits (and the out-of-process ones under a time
// limit), so that a hostile or broken file fails alone with a reason and never takes the
// daemon down. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "archived/base/status.h"

namespace archived::extract {

// The kinds of content the index knows; also the search facet "type".
enum class ContentType { kText, kHtml, kPdf, kDocx, kXlsx, kPptx, kOdt, kOds, kEml, kOther };

// "text", "html", "pdf", "docx", "xlsx", "pptx", "odt", "ods", "eml", "other".
std::string_view ContentTypeName(ContentType type);

// From the declared MIME type, then the filename's extension, then the first bytes.
ContentType DetectContentType(std::string_view mime_type, std::string_view filename, std::string_view head);

struct ExtractLimits {
  // Content bytes read for extraction; the rest of a longer text is not indexed, and a longer
  // file of another kind is not extracted at all. Default: 64 MiB.
  std::size_t max_input_bytes = 64 << 20;
  // Text kept per document. Default: 8 MiB.
  std::size_t max_text_bytes = 8 << 20;
  // Wall time of one extraction. Default: 20 s.
  std::chrono::milliseconds max_time{20000};
  // Entries and inflated bytes of a zip container (DOCX, ODT …). Default: 10,000 and 256 MiB.
  std::size_t max_zip_entries = 10000;
  std::size_t max_inflated_bytes = 256 << 20;
  // The `archived-extract` helper that PDF and office files are extracted in (sandbox.h). The
  // daemon always sets it; empty extracts in this process (tests). Default: empty.
  std::string helper;
};

struct Extracted {
  std::string text;      // UTF-8
  std::string encoding;  // of a plain-text source ("GB18030" …); empty for other kinds
  bool truncated = false;  // max_text_bytes or max_input_bytes cut the text
};

// The text of `content` (at most max_input_bytes of the version), read as `type`.
// `complete` is false when `content` is only the first part of a longer version.
// kOther yields empty text. Errors (the reason recorded as "extraction: failed — …"):
// kInvalidArgument for content that is not what its type says or is malformed;
// kResourceExhausted when a limit stops it; kDeadlineExceeded past max_time.
StatusOr<Extracted> ExtractText(std::string_view content, bool complete, ContentType type,
                                const ExtractLimits& limits);

}  // namespace archived::extract
