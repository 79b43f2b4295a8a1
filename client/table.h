// A text table for the terminal whose columns line up whatever the script: widths are
// counted in terminal columns (a 汉字 takes two), long cells are cut with "…". Not
// thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace archived::client {

class Table {
 public:
  // `max_widths[i]` caps column i (0: no cap); missing entries mean no cap.
  explicit Table(std::vector<std::string> headers, std::vector<std::size_t> max_widths = {});
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // The header, a rule, and the rows; columns separated by two spaces, no trailing blanks.
  std::string Render() const;
  void Print() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::size_t> max_widths_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace archived::client
