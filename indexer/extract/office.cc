#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

#include "indexer/extract/formats.h"
#include "indexer/extract/markup.h"

namespace archived::extract {
namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// The entries of `type` that hold its text.
bool Wanted(ContentType type, std::string_view name) {
  const auto xml_under = [&](std::string_view dir) {
    return name.starts_with(dir) && name.ends_with(".xml") && name.find('/', dir.size()) == std::string_view::npos;
  };
  switch (type) {
    case ContentType::kDocx:
      return name == "word/document.xml" || name == "word/footnotes.xml" || name == "word/endnotes.xml" ||
             ((name.starts_with("word/header") || name.starts_with("word/footer")) && xml_under("word/"));
    case ContentType::kXlsx:
      return name == "xl/sharedStrings.xml";
    case ContentType::kPptx:
      return xml_under("ppt/slides/") || xml_under("ppt/notesSlides/");
    case ContentType::kOdt:
    case ContentType::kOds:
      return name == "content.xml";
    default:
      return false;
  }
}

std::string XmlText(ContentType type, std::string_view xml, std::size_t limit) {
  switch (type) {
    case ContentType::kDocx: return XmlToText(xml, {"p", "br", "cr"}, {"tab"}, limit);
    case ContentType::kXlsx: return XmlToText(xml, {"si"}, {}, limit);
    case ContentType::kPptx: return XmlToText(xml, {"p", "br"}, {}, limit);
    default: return XmlToText(xml, {"p", "h", "line-break", "table-row"}, {"tab", "s", "table-cell"}, limit);
  }
}

}  // namespace

StatusOr<std::string> OfficeToText(std::string_view zip, ContentType type, const ExtractLimits& limits) {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  if (!a) return ResourceExhaustedError("out of memory");
  // Only zip: an office file is never anything else, and no other reader is exposed.
  archive_read_support_format_zip(a.get());
  if (archive_read_open_memory(a.get(), zip.data(), zip.size()) != ARCHIVE_OK) {
    return InvalidArgumentError(std::string("not a zip container: ") + archive_error_string(a.get()));
  }
  std::string text;
  std::size_t entries = 0, inflated = 0;
  bool found = false;
  std::string data;
  char buffer[65536];
  for (;;) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return InvalidArgumentError(std::string("damaged zip: ") + archive_error_string(a.get()));
    }
    if (++entries > limits.max_zip_entries) {
      return ResourceExhaustedError("more than " + std::to_string(limits.max_zip_entries) + " zip entries");
    }
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr || !Wanted(type, name)) continue;  // the next header skips its data
    found = true;
    data.clear();
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buffer, sizeof buffer);
      if (n < 0) return InvalidArgumentError(std::string("damaged zip entry ") + name + ": " + archive_error_string(a.get()));
      if (n == 0) break;
      inflated += static_cast<std::size_t>(n);
      if (inflated > limits.max_inflated_bytes) {
        return ResourceExhaustedError("the zip inflates beyond " + std::to_string(limits.max_inflated_bytes >> 20) +
                                      " MiB (a zip bomb?)");
      }
      data.append(buffer, static_cast<std::size_t>(n));
    }
    if (text.size() < limits.max_text_bytes) {
      text += XmlText(type, data, limits.max_text_bytes - text.size());
      if (!text.empty() && text.back() != '\n') text.push_back('\n');
    }
  }
  if (!found) return InvalidArgumentError("the zip holds no " + std::string(ContentTypeName(type)) + " text part");
  return text;
}

}  // namespace archived::extract
