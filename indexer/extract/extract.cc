#include "indexer/extract/extract.h"

#include <algorithm>
#include <cctype>

#include "archived/base/text.h"
#include "indexer/extract/formats.h"
#include "indexer/extract/markup.h"
#include "indexer/extract/sandbox.h"
#include "indexer/extract/text_decode.h"

namespace archived::extract {
namespace {

ContentType FromMime(std::string_view mime) {
  const std::string m = AsciiLower(mime.substr(0, mime.find(';')));
  if (m == "text/html" || m == "application/xhtml+xml") return ContentType::kHtml;
  if (m == "application/pdf") return ContentType::kPdf;
  if (m == "message/rfc822") return ContentType::kEml;
  if (m == "application/vnd.openxmlformats-officedocument.wordprocessingml.document") return ContentType::kDocx;
  if (m == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") return ContentType::kXlsx;
  if (m == "application/vnd.openxmlformats-officedocument.presentationml.presentation") return ContentType::kPptx;
  if (m == "application/vnd.oasis.opendocument.text") return ContentType::kOdt;
  if (m == "application/vnd.oasis.opendocument.spreadsheet") return ContentType::kOds;
  if (m.starts_with("text/") || m == "application/json" || m == "application/xml") return ContentType::kText;
  return ContentType::kOther;
}

ContentType FromExtension(std::string_view filename) {
  const std::size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) return ContentType::kOther;
  const std::string ext = AsciiLower(filename.substr(dot + 1));
  if (ext == "html" || ext == "htm" || ext == "xhtml") return ContentType::kHtml;
  if (ext == "pdf") return ContentType::kPdf;
  if (ext == "eml") return ContentType::kEml;
  if (ext == "docx") return ContentType::kDocx;
  if (ext == "xlsx") return ContentType::kXlsx;
  if (ext == "pptx") return ContentType::kPptx;
  if (ext == "odt") return ContentType::kOdt;
  if (ext == "ods") return ContentType::kOds;
  static constexpr std::string_view kText[] = {"txt", "text", "md", "csv", "tsv", "log", "json",
                                               "xml", "ini", "conf", "cfg", "yaml", "yml", "rst"};
  if (std::find(std::begin(kText), std::end(kText), ext) != std::end(kText)) return ContentType::kText;
  return ContentType::kOther;
}

ContentType FromHead(std::string_view head) {
  if (head.starts_with("%PDF-")) return ContentType::kPdf;
  const std::string start = AsciiLower(head.substr(0, 512));
  if (start.find("<!doctype html") != std::string::npos || start.find("<html") != std::string::npos) {
    return ContentType::kHtml;
  }
  if (head.starts_with("PK\x03\x04")) return ContentType::kOther;  // a zip of unknown purpose
  return DecodeText(head.substr(0, 4096)).ok() ? ContentType::kText : ContentType::kOther;
}

}  // namespace

std::string_view ContentTypeName(ContentType type) {
  switch (type) {
    case ContentType::kText: return "text";
    case ContentType::kHtml: return "html";
    case ContentType::kPdf: return "pdf";
    case ContentType::kDocx: return "docx";
    case ContentType::kXlsx: return "xlsx";
    case ContentType::kPptx: return "pptx";
    case ContentType::kOdt: return "odt";
    case ContentType::kOds: return "ods";
    case ContentType::kEml: return "eml";
    case ContentType::kOther: return "other";
  }
  return "other";
}

ContentType DetectContentType(std::string_view mime_type, std::string_view filename, std::string_view head) {
  ContentType type = FromMime(mime_type);
  // Generic labels ("application/octet-stream", "text/plain" from a browser) say less than
  // the filename does.
  if (type == ContentType::kOther || type == ContentType::kText) {
    if (const ContentType by_name = FromExtension(filename); by_name != ContentType::kOther) return by_name;
  }
  if (type != ContentType::kOther) return type;
  return FromHead(head);
}

StatusOr<Extracted> ExtractText(std::string_view content, bool complete, ContentType type,
                                const ExtractLimits& limits) {
  Extracted out;
  switch (type) {
    case ContentType::kText:
    case ContentType::kHtml: {
      StatusOr<DecodedText> decoded = DecodeText(content.substr(0, limits.max_input_bytes));
      if (!decoded.ok()) return decoded.status();
      out.encoding = std::move(decoded->encoding);
      out.text = type == ContentType::kHtml ? HtmlToText(decoded->text, limits.max_text_bytes)
                                            : std::move(decoded->text);
      break;
    }
    case ContentType::kOther:
      return out;
    case ContentType::kEml: {
      // Our own parser over bounded input: safe in process.
      StatusOr<std::string> text = EmailToText(content.substr(0, limits.max_input_bytes), limits);
      if (!text.ok()) return text.status();
      out.text = std::move(*text);
      break;
    }
    default: {
      // A truncated container cannot be read, so a longer one is not extracted at all.
      if (!complete || content.size() > limits.max_input_bytes) {
        return ResourceExhaustedError("a " + std::string(ContentTypeName(type)) + " file over " +
                                      std::to_string(limits.max_input_bytes >> 20) + " MiB is not extracted");
      }
      StatusOr<std::string> text = !limits.helper.empty() ? RunHelper(limits.helper, type, content, limits)
                                   : type == ContentType::kPdf ? PdfToText(content, limits)
                                                               : OfficeToText(content, type, limits);
      if (!text.ok()) return text.status();
      out.text = std::move(*text);
    }
  }
  if (out.text.size() > limits.max_text_bytes) {
    out.text.resize(Utf8Prefix(out.text, limits.max_text_bytes).size());
    out.truncated = true;
  }
  if (!complete || content.size() > limits.max_input_bytes) out.truncated = true;
  return out;
}

}  // namespace archived::extract
