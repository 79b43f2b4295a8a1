#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <memory>

#include "indexer/extract/formats.h"

namespace archived::extract {
namespace {

// Poppler reports every oddity of a damaged file on stderr; the outcome is what counts.
void Quiet(const std::string&, void*) {}

}  // namespace

StatusOr<std::string> PdfToText(std::string_view pdf, const ExtractLimits& limits) {
  poppler::set_debug_error_function(Quiet, nullptr);
  if (pdf.size() > static_cast<std::size_t>(INT32_MAX)) return ResourceExhaustedError("PDF larger than 2 GiB");
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size())));
  if (!doc) return InvalidArgumentError("not a readable PDF (damaged or truncated)");
  if (doc->is_locked()) return InvalidArgumentError("the PDF is encrypted with a password");
  std::string out;
  for (int i = 0; i < doc->pages() && out.size() < limits.max_text_bytes; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    const poppler::byte_array utf8 = page->text().to_utf8();
    out.append(utf8.begin(), utf8.end());
    out.push_back('\n');
  }
  return out;
}

}  // namespace archived::extract
