#pragma once
// Reading values from a Poco::Data::RecordSet the same way on SQLite and PostgreSQL.
#include <Poco/Data/RecordSet.h>

#include <cstdint>
#include <string>

namespace cc::admin {

/// Booleans come back as 0/1 from SQLite and as bool (or "t"/"f") from PostgreSQL.
inline bool boolValue(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return false;
  if (v.isBoolean()) return v.extract<bool>();
  if (v.isString()) {
    std::string s = v.toString();
    return s == "t" || s == "true" || s == "1";
  }
  return v.convert<int>() != 0;
}

inline std::string textValue(const Poco::Dynamic::Var& v) { return v.isEmpty() ? std::string() : v.toString(); }

inline std::int64_t intValue(const Poco::Dynamic::Var& v) { return v.isEmpty() ? 0 : v.convert<std::int64_t>(); }

}  // namespace cc::admin
