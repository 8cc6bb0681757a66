#pragma once
// application/x-www-form-urlencoded bodies in Stripe's style: nested keys written with
// brackets (items[0][price]=price_123, metadata[user_id]=u1), values percent-encoded.
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace cc::billing {

class FormBody {
 public:
  /// add("customer", "cus_1") or add({"items", "0", "price"}, "price_1") -> items[0][price]
  FormBody& add(const std::string& key, const std::string& value);
  FormBody& add(std::initializer_list<std::string> path, const std::string& value);

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  /// Brackets stay literal (Stripe and its libraries send them that way); everything outside
  /// A-Z a-z 0-9 - _ . ~ is %XX-encoded.
  std::string encode() const;

  static std::string nestedKey(std::initializer_list<std::string> path);
  static std::string percentEncode(const std::string& text, bool keepBrackets);

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// Parses a form body back into (key, value) pairs; the fake Stripe server uses it.
std::vector<std::pair<std::string, std::string>> parseForm(const std::string& body);

}  // namespace cc::billing
