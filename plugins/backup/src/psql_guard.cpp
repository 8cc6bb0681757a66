#include "psql_guard.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace cc::backup {
namespace {

bool isKeyChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// "\restrict KEY" -> KEY for `command` "\restrict"; "" when the line is not exactly that.
std::string keyOf(const std::string& line, const std::string& command) {
  std::string body = line;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  if (body.rfind(command + " ", 0) != 0) return "";
  std::string key = body.substr(command.size() + 1);
  if (key.empty()) return "";
  for (char c : key)
    if (!isKeyChar(c)) return "";
  return key;
}

}  // namespace

std::string randomRestrictKey() {
  static const char* chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[64];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for psql's \\restrict key");
  std::string key;
  for (unsigned char b : bytes) key += chars[b % 62];
  return key;
}

void DumpRestrictFilter::feed(const char* data, std::size_t size) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] != '\n') continue;
    partial_.append(data + start, i + 1 - start);
    start = i + 1;
    line(partial_);
    partial_.clear();
  }
  partial_.append(data + start, size - start);
  // A huge line (COPY data, a long INSERT) is passed on in pieces: only short lines can be
  // the \restrict pair, and those are never split here.
  if (partial_.size() > (1 << 16)) {
    inHeader_ = false;
    sink_(partial_.data(), partial_.size());
    partial_.clear();
    partialIsContinuation_ = true;
  }
}

void DumpRestrictFilter::finish() {
  if (!partial_.empty()) line(partial_);
  partial_.clear();
}

void DumpRestrictFilter::line(const std::string& text) {
  bool continuation = partialIsContinuation_;
  partialIsContinuation_ = false;
  if (!continuation) {
    if (inHeader_) {
      std::string key = keyOf(text, "\\restrict");
      if (!key.empty()) {
        dumpKey_ = key;
        inHeader_ = false;
        return;
      }
      bool commentOrBlank = text.rfind("--", 0) == 0 || text.find_first_not_of(" \t\r\n") == std::string::npos;
      if (!commentOrBlank) inHeader_ = false;
    } else if (!dumpKey_.empty() && keyOf(text, "\\unrestrict") == dumpKey_) {
      return;
    }
  }
  sink_(text.data(), text.size());
}

}  // namespace cc::backup
