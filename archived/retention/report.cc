#include "archived/retention/report.h"

#include <initializer_list>
#include <string_view>

#include "archived/base/clock.h"
#include "archived/v1/proto_time.h"

namespace archived::retention {
namespace {

std::string_view ActionText(v1::DispositionAction action) {
  switch (action) {
    case v1::DISPOSITION_ACTION_DESTROY:
      return "destroy";
    case v1::DISPOSITION_ACTION_TRANSFER:
      return "transfer";
    default:
      return "review";
  }
}

std::string Csv(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Row(std::initializer_list<std::string> fields) {
  std::string line;
  bool first = true;
  for (const std::string& f : fields) {
    if (!first) line += ',';
    line += Csv(f);
    first = false;
  }
  return line + "\r\n";
}

std::string Html(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Day(const google::protobuf::Timestamp& t) { return FormatRfc3339(v1::TimeOf(t)).substr(0, 10); }

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// A document's reference code, or a register entry's id.
const std::string& Code(const v1::RetentionReportItem& i) {
  return i.entry_id().empty() ? i.reference_code() : i.entry_id();
}

std::string Counted(std::uint32_t documents, std::uint32_t entries) {
  return std::to_string(documents) + " documents" +
         (entries > 0 ? ", " + std::to_string(entries) + " register entries" : "");
}

}  // namespace

std::string ReportCsv(const v1::RetentionReport& r) {
  std::string out = "\xEF\xBB\xBF";  // BOM: spreadsheets then read UTF-8
  out += Row({"section", "category", "reference_code", "title", "date", "action", "detail", "active", "due", "held",
              "destroyed", "transferred", "due_within_horizon", "awaiting_trigger", "permanent"});
  for (const v1::CategoryRetention& c : r.categories()) {
    out += Row({"category", c.code(), "", c.name() + (c.name_en().empty() ? "" : " / " + c.name_en()), "", "",
                c.schedule() + (c.overridden() ? " (what-if)" : ""), std::to_string(c.active()), std::to_string(c.due()),
                std::to_string(c.held()), std::to_string(c.destroyed()), std::to_string(c.transferred()),
                std::to_string(c.due_within_horizon()), std::to_string(c.awaiting_trigger()),
                std::to_string(c.permanent())});
  }
  const auto items = [&](std::string_view section, const auto& list) {
    for (const v1::RetentionReportItem& i : list) {
      out += Row({std::string(section), i.category(), Code(i), i.title(), i.due_date(),
                  std::string(ActionText(i.action())), i.holds().empty() ? "" : "held by " + Join(i.holds())});
    }
  };
  items("due_now", r.due_now());
  items("due_soon", r.due_soon());
  items("unscheduled", r.unscheduled());
  for (const v1::HoldSummary& h : r.holds()) {
    out += Row({"hold", "", h.name(), h.reason(), Day(h.placed_time()), "", h.scope() + "; owner " + h.owner(), "", "",
                std::to_string(h.documents() + h.entries())});
  }
  for (const v1::DestructionSummary& d : r.destructions()) {
    out += Row({"destruction", "", d.certificate_reference_code(), "batch " + d.batch_id(), Day(d.executed_time()),
                "destroy", "approved by " + Join(d.approvers()), "", "", "", std::to_string(d.documents() + d.entries())});
  }
  return out;
}

std::string ReportHtml(const v1::RetentionReport& r) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
      "<title>档案保管期限审计报告 Retention audit report " +
      Html(r.as_of()) +
      "</title>\n<style>\n"
      "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"WenQuanYi Micro Hei\",\"Microsoft YaHei\","
      "\"PingFang SC\",sans-serif;font-size:10.5pt;margin:1.5cm}\n"
      "table{border-collapse:collapse;width:100%}th,td{border:1px solid #888;padding:2px 5px;text-align:left;"
      "vertical-align:top}th{background:#eee}td.n{text-align:right}\n"
      "section{page-break-after:always;break-after:page}section:last-child{page-break-after:auto}\n"
      "h1{font-size:16pt}h2{font-size:13pt}.note{color:#555}\n"
      "@media print{body{margin:0}}\n</style></head><body>\n";
  const auto head = [&](const std::string& title) {
    out += "<section>\n<h2>" + title + "</h2>\n";
  };
  out += "<section>\n<h1>档案保管期限审计报告 · Retention audit report</h1>\n<p>全宗 Fonds " + Html(r.fonds()) +
         " · 截至 As of " + Html(r.as_of()) + " · 预警期 Horizon " + std::to_string(r.horizon_days()) +
         " days · 生成 Generated " + Html(FormatRfc3339(v1::TimeOf(r.generated_time()))) + "</p>\n";
  if (!r.overrides().empty()) {
    out += "<p class=\"note\">假设分析 What-if: " + Html(Join(r.overrides())) +
           " (nothing was changed)</p>\n";
  }
  out += "<table><tr><th>类目 Category</th><th>名称 Name</th><th>保管期限 Schedule</th><th>在保 Active</th>"
         "<th>到期 Due</th><th>冻结 Held</th><th>已销毁 Destroyed</th><th>已移交 Transferred</th>"
         "<th>预警期内到期 Due soon</th><th>待事件 Awaiting event</th><th>永久 Permanent</th></tr>\n";
  for (const v1::CategoryRetention& c : r.categories()) {
    out += "<tr><td>" + Html(c.code()) + "</td><td>" + Html(c.name()) + (c.name_en().empty() ? "" : "<br>" + Html(c.name_en())) +
           "</td><td>" + Html(c.schedule()) + (c.overridden() ? " <b>(what-if)</b>" : "") + "</td>";
    for (const std::uint32_t n : {c.active(), c.due(), c.held(), c.destroyed(), c.transferred(), c.due_within_horizon(),
                                  c.awaiting_trigger(), c.permanent()}) {
      out += "<td class=\"n\">" + std::to_string(n) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</table>\n</section>\n";
  const auto items = [&](const std::string& title, const auto& list) {
    head(title);
    if (list.empty()) {
      out += "<p>无 None.</p>\n</section>\n";
      return;
    }
    out += "<table><tr><th>档号 Reference code (or register entry)</th><th>题名 Title</th><th>类目 Category</th><th>到期 Due</th>"
           "<th>处置 Action</th><th>冻结 Holds</th></tr>\n";
    for (const v1::RetentionReportItem& i : list) {
      out += "<tr><td>" + Html(Code(i)) + "</td><td>" + Html(i.title()) + "</td><td>" + Html(i.category()) +
             "</td><td>" + Html(i.due_date()) + "</td><td>" + std::string(ActionText(i.action())) + "</td><td>" +
             Html(Join(i.holds())) + "</td></tr>\n";
    }
    out += "</table>\n</section>\n";
  };
  items("到期待处置 Due now", r.due_now());
  items("预警期内到期 Due within " + std::to_string(r.horizon_days()) + " days", r.due_soon());
  items("保管期限不明 Without a usable schedule", r.unscheduled());
  head("冻结 Holds");
  if (r.holds().empty()) out += "<p>无 None.</p>\n";
  for (const v1::HoldSummary& h : r.holds()) {
    out += "<p><b>" + Html(h.name()) + "</b> — " + Html(h.reason()) + "<br>owner " + Html(h.owner()) + ", placed " +
           Day(h.placed_time()) + "; scope: " + Html(h.scope()) + "; held now: " + Counted(h.documents(), h.entries()) +
           "</p>\n";
  }
  out += "</section>\n";
  head("销毁 Destructions " + Html(r.period()));
  if (r.destructions().empty()) out += "<p>无 None.</p>\n";
  for (const v1::DestructionSummary& d : r.destructions()) {
    out += "<p>Batch " + Html(d.batch_id()) + ", " + Day(d.executed_time()) + ": " + Counted(d.documents(), d.entries()) +
           "; certificate " + Html(d.certificate_reference_code()) + " (" + Html(d.certificate_id()) +
           "); approved by " + Html(Join(d.approvers())) + "</p>\n";
  }
  out += "</section>\n</body></html>\n";
  return out;
}

}  // namespace archived::retention
