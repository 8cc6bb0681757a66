#pragma once
// Shared by the fault tests (tests/e2e/fault_*_test.cpp): concurrent request bursts that can be
// cut short by killing the host, polling, and database integrity checks.
#include "support/host_process.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace cc::test::fault {

inline bool pollUntil(const std::function<bool()>& condition,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

/// `total` requests sent from `threads` threads, each taking the next index, while the test
/// watches answered() and may kill the host underneath. A request whose connection fails
/// (refused or reset by the kill) is recorded with status 0; one never sent keeps -1.
class Burst {
 public:
  static constexpr int kNotSent = -1;
  static constexpr int kConnectionFailed = 0;

  Burst(int total, int threads, std::function<HttpResult(int)> send)
      : send_(std::move(send)), statuses_(static_cast<std::size_t>(total)), bodies_(static_cast<std::size_t>(total)) {
    for (auto& s : statuses_) s = kNotSent;
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this] { work(); });
  }
  ~Burst() { join(); }
  Burst(const Burst&) = delete;
  Burst& operator=(const Burst&) = delete;

  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  /// Responses received so far, whatever their status.
  int answered() const { return answered_.load(); }
  int size() const { return static_cast<int>(statuses_.size()); }
  /// Valid after join().
  int status(int i) const { return statuses_[static_cast<std::size_t>(i)].load(); }
  const std::string& body(int i) const { return bodies_[static_cast<std::size_t>(i)]; }
  int countStatus(const std::function<bool(int)>& matches) const {
    int n = 0;
    for (auto& s : statuses_) n += matches(s.load()) ? 1 : 0;
    return n;
  }

 private:
  void work() {
    for (int i = next_++; i < size(); i = next_++) {
      auto index = static_cast<std::size_t>(i);
      try {
        HttpResult r = send_(i);
        bodies_[index] = r.body;
        statuses_[index] = r.status;
        ++answered_;
      } catch (const std::exception&) {
        statuses_[index] = kConnectionFailed;
      }
    }
  }

  std::function<HttpResult(int)> send_;
  std::vector<std::atomic<int>> statuses_;
  std::vector<std::string> bodies_;  // each slot written by the one thread that sent it
  std::atomic<int> next_{0};
  std::atomic<int> answered_{0};
  std::vector<std::thread> threads_;
};

inline bool isSqlite(const std::string& databaseUrl) { return databaseUrl.rfind("sqlite://", 0) == 0; }

/// "" when the SQLite file is sound: PRAGMA integrity_check says ok and no foreign key dangles.
inline std::string sqliteIntegrityProblems(const std::string& databaseUrl) {
  std::string problems;
  auto integrity = queryStrings(databaseUrl, "PRAGMA integrity_check");
  if (integrity != std::vector<std::string>{"ok"})
    for (auto& line : integrity) problems += "integrity_check: " + line + "\n";
  for (auto& table : queryStrings(databaseUrl, "PRAGMA foreign_key_check"))
    problems += "foreign_key_check: dangling reference in " + table + "\n";
  return problems;
}

/// First column of the first row ("" when there is none).
inline std::string scalar(const std::string& databaseUrl, const std::string& sql) {
  auto rows = queryStrings(databaseUrl, sql);
  return rows.empty() ? "" : rows.front();
}

inline int count(const std::string& databaseUrl, const std::string& sql) {
  return std::stoi(scalar(databaseUrl, "SELECT COUNT(*) FROM (" + sql + ") AS q"));
}

}  // namespace cc::test::fault
