#pragma once
// CSV for spreadsheets (RFC 4180), header-only: comma-separated, CRLF line ends, a field in
// double quotes when it holds a comma, a quote, CR or LF, with quotes doubled. Cells are also
// made safe from formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that
// starts with = + - or @ (and, in some, TAB or CR) as a formula, so such a cell gets a leading
// ' and is shown as text. Ill-formed UTF-8 becomes U+FFFD. For exports of text that came from
// users (names, e-mail addresses, user agents, reasons): every cell goes through cell().
#include <codecouncil/sdk/text.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cc::csv {

/// Appends one field to `out`: injection-safe, then quoted when needed.
inline void appendCell(std::string& out, std::string_view value) {
  std::string repaired;
  if (!text::isValidUtf8(value)) {
    repaired = text::replaceInvalidUtf8(value);
    value = repaired;
  }
  const bool formula = !value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos;
  const bool quoted = value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quoted) out += '"';
  if (formula) out += '\'';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  if (quoted) out += '"';
}

/// One field as text (see appendCell).
inline std::string cell(std::string_view value) {
  std::string out;
  appendCell(out, value);
  return out;
}

/// Appends the fields joined by commas and a CRLF to `out`.
inline void appendRow(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    appendCell(out, fields[i]);
  }
  out += "\r\n";
}

/// The fields joined by commas, ending in CRLF.
inline std::string row(const std::vector<std::string>& fields) {
  std::string out;
  appendRow(out, fields);
  return out;
}

}  // namespace cc::csv
