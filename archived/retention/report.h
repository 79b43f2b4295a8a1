// The retention audit report as CSV and as printable HTML (the JSON is the proto's). Pure
// functions; thread-safe. Retention::Report builds the report.
#pragma once

#include <string>

#include "archived/v1/retention.pb.h"

namespace archived::retention {

// One table with a `section` column (category, due_now, due_soon, unscheduled, hold,
// destruction) and the columns each section fills; RFC 4180 quoting, UTF-8 with a BOM so
// that spreadsheets read the Chinese text.
std::string ReportCsv(const v1::RetentionReport& report);

// A self-contained UTF-8 page: one printed page per section, fonts that render Chinese.
std::string ReportHtml(const v1::RetentionReport& report);

}  // namespace archived::retention
