#include "form_body.hpp"

#include <cctype>

namespace cc::billing {

FormBody& FormBody::add(const std::string& key, const std::string& value) {
  fields_.emplace_back(key, value);
  return *this;
}

FormBody& FormBody::add(std::initializer_list<std::string> path, const std::string& value) {
  return add(nestedKey(path), value);
}

std::string FormBody::nestedKey(std::initializer_list<std::string> path) {
  std::string key;
  bool first = true;
  for (auto& part : path) {
    key += first ? part : "[" + part + "]";
    first = false;
  }
  return key;
}

std::string FormBody::percentEncode(const std::string& text, bool keepBrackets) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keepBrackets && (c == '[' || c == ']'))) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string FormBody::encode() const {
  std::string out;
  for (auto& [k, v] : fields_) {
    if (!out.empty()) out += '&';
    out += percentEncode(k, true) + "=" + percentEncode(v, false);
  }
  return out;
}

namespace {
std::string decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}
}  // namespace

std::vector<std::pair<std::string, std::string>> parseForm(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t amp = body.find('&', start);
    std::string part = body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? body.size() : amp + 1;
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string::npos) out.emplace_back(decode(part), "");
    else out.emplace_back(decode(part.substr(0, eq)), decode(part.substr(eq + 1)));
  }
  return out;
}

}  // namespace cc::billing
