// codecouncil: the host binary. Everything lives in cc_core; this only reports failures.
#include "core/auth/password.hpp"
#include "core/cli/command_line.hpp"
#include "core/host/host.hpp"

#include <Poco/Crypto/Crypto.h>
#include <Poco/Logger.h>
#include <Poco/Net/SSLManager.h>

#include <iostream>
#include <sys/stat.h>

int main(int argc, char** argv) {
  // Everything this process and its children create (the SQLite database and its -wal/-shm,
  // data_dir, generated secrets, backup files of scripts it runs) is for this user only:
  // SQLite alone would make the database 0644, and it holds password hashes.
  ::umask(077);
  int rc = 1;
  // OpenSSL set up once for the whole process: Poco's lazy per-object init races under threads.
  Poco::Crypto::initializeCrypto();
  Poco::Net::initializeSSL();
  cc::core::returnHashMemoryAfterUse();
  try {
    rc = cc::core::runArguments(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    // The log lines that led here (a plugin starting, a migration running) come first.
    cc::core::flushLog();
    std::cerr << "codecouncil: " << e.what() << "\n";
    rc = 1;
  }
  cc::core::flushLog();  // the log writer holds what was logged last
  Poco::Logger::shutdown();
  Poco::Net::uninitializeSSL();
  Poco::Crypto::uninitializeCrypto();
  return rc;
}
