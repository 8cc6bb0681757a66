#include "csv_text.hpp"

#include <codecouncil/sdk/text.hpp>

namespace cc::admin {

std::string csvCell(const std::string& value) {
  std::string cell = text::replaceInvalidUtf8(value);
  if (!cell.empty() && std::string("=+-@\t\r").find(cell.front()) != std::string::npos) cell.insert(0, 1, '\'');
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csvRow(const std::vector<std::string>& fields) {
  std::string row;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) row += ',';
    row += csvCell(fields[i]);
  }
  return row + "\r\n";
}

}  // namespace cc::admin
