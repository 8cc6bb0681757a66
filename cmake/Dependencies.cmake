# All dependencies are Debian packages; nothing is downloaded at build time.

# Debian's PocoDataPostgreSQLTargets.cmake links PostgreSQL::client, which nothing defines.
find_package(PostgreSQL REQUIRED)
if(NOT TARGET PostgreSQL::client)
  add_library(PostgreSQL::client INTERFACE IMPORTED)
  target_link_libraries(PostgreSQL::client INTERFACE PostgreSQL::PostgreSQL)
endif()

# The prepared fast path (core/db/prepared_*.cpp) talks to sqlite3 and libpq directly.
find_package(SQLite3 REQUIRED)

find_package(Poco 1.11 REQUIRED COMPONENTS
  Foundation Net NetSSL Util JSON Crypto JWT Data DataSQLite DataPostgreSQL)
# context: the request fibers (core/http/request_fiber.hpp).
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem context)
find_package(yaml-cpp REQUIRED)
find_package(prometheus-cpp REQUIRED)
find_package(Threads REQUIRED)
# Boost.Asio's TLS streams (the HTTPS listener) use OpenSSL directly.
find_package(OpenSSL REQUIRED)

find_library(ARGON2_LIBRARY NAMES argon2 REQUIRED)
find_path(ARGON2_INCLUDE_DIR argon2.h REQUIRED)
