// The extractors behind ExtractText for formats that need a parser: PDF (poppler, the only
// poppler user), the zip-and-XML office formats (libarchive reads the zip: only the zip
// format is enabled, and entry count and inflated bytes are limited before they are read),
// and e-mail (our own MIME parser). The daemon runs the PDF and office extractors in the
// sandboxed helper process (sandbox.h), never in its own. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "archived/base/status.h"
#include "indexer/extract/extract.h"

namespace archived::extract {

// Text of every page. Errors: kInvalidArgument for a damaged or encrypted PDF.
StatusOr<std::string> PdfToText(std::string_view pdf, const ExtractLimits& limits);

// Text of a DOCX, XLSX, PPTX, ODT or ODS file. Errors: kInvalidArgument when it is not such a
// zip; kResourceExhausted when it has too many entries or inflates beyond the limit.
StatusOr<std::string> OfficeToText(std::string_view zip, ContentType type, const ExtractLimits& limits);

// Subject, from, to, date and the text of every text part (plain or HTML; quoted-printable
// or base64; any charset), nested messages included. Errors: kInvalidArgument.
StatusOr<std::string> EmailToText(std::string_view message, const ExtractLimits& limits);

}  // namespace archived::extract
