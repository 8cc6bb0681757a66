#pragma once
// CSV for spreadsheets (RFC 4180): comma-separated, CRLF line ends, a field in double quotes
// when it holds a comma, a quote, CR or LF, with quotes doubled. Cells are also made safe from
// formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with = + -
// or @ (and, in some, TAB or CR) as a formula, so such a cell gets a leading ' and is shown as
// text. Everything in an export comes from users (e-mail, name, suspension reason), so every
// cell goes through csvCell().
#include <string>
#include <vector>

namespace cc::admin {

/// One field: injection-safe, then quoted when needed. Invalid UTF-8 is replaced (U+FFFD).
std::string csvCell(const std::string& value);
/// The fields joined by commas, ending in CRLF.
std::string csvRow(const std::vector<std::string>& fields);

}  // namespace cc::admin
