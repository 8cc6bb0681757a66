#pragma once
// Reading values from a Poco::Data::RecordSet the same way on every database engine
// (booleans: cc::sqlBool from the SDK).
#include <codecouncil/sdk/database.hpp>

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <cstdint>
#include <map>
#include <string>

namespace cc::admin {

inline std::string textValue(const Poco::Dynamic::Var& v) { return v.isEmpty() ? std::string() : v.toString(); }

inline std::int64_t intValue(const Poco::Dynamic::Var& v) { return v.isEmpty() ? 0 : v.convert<std::int64_t>(); }

/// Runs a "SELECT key, count ..." statement (parameters already bound) into a map.
inline std::map<std::string, std::int64_t> countsByKey(Poco::Data::Statement& st) {
  st.execute();
  Poco::Data::RecordSet rs(st);
  std::map<std::string, std::int64_t> out;
  for (std::size_t i = 0; i < rs.rowCount(); ++i) out[textValue(rs.value(0, i))] = intValue(rs.value(1, i));
  return out;
}

}  // namespace cc::admin
