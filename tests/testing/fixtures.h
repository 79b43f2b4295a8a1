// Test fixtures made on the spot: zip containers (office files, zip bombs) written with
// libarchive, and minimal PDFs written by hand. Not thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace archived::testing {

// A zip holding `entries` (name, content), deflated.
std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& entries);

// A one-page PDF 1.4 showing `lines` in Helvetica (ASCII text).
std::string MakePdf(const std::vector<std::string>& lines);

// A DOCX whose body has one paragraph per element of `paragraphs`.
std::string MakeDocx(const std::vector<std::string>& paragraphs);

}  // namespace archived::testing
