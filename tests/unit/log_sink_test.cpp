// The process's log writer (core/host/log_sink.hpp): whole lines in order from many threads,
// flush() means written, and a reader that falls behind costs dropped lines, never a blocked
// caller.
#include "core/host/log_sink.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  std::string drain() {
    ::fcntl(read, F_SETFL, ::fcntl(read, F_GETFL) | O_NONBLOCK);
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(read, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(LogSink, FlushReturnsOnceEveryLineIsWrittenInOrder) {
  Pipe pipe;
  cc::core::LogSink sink(pipe.write);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sink.append("line " + std::to_string(i)));
  sink.flush();
  auto lines = linesOf(pipe.drain());
  ASSERT_EQ(lines.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i)], "line " + std::to_string(i));
}

TEST(LogSink, ALineIsWrittenWithoutAFlush) {
  // Someone watching the log (an operator, a test waiting for a line) sees it without anyone
  // flushing: the writer does not wait for a batch to fill.
  Pipe pipe;
  cc::core::LogSink sink(pipe.write);
  std::this_thread::sleep_for(2 * cc::core::LogSink::kGatherTime);
  ASSERT_TRUE(sink.append("right away"));
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.find("right away\n") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    out += pipe.drain();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  EXPECT_NE(out.find("right away\n"), std::string::npos);
}

TEST(LogSink, LinesFromManyThreadsStayWholeAndEachThreadsOrderHolds) {
  // A file, not a pipe: 8 x 2,000 lines are more than a pipe holds without a reader.
  char path[] = "/tmp/cc-log-sink-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  {
    cc::core::LogSink sink(fd);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&sink, t] {
        const std::string padding(100, static_cast<char>('a' + t));
        for (int i = 0; i < 2000; ++i) sink.append("t" + std::to_string(t) + " " + std::to_string(i) + " " + padding);
      });
    for (auto& th : threads) th.join();
    sink.flush();
  }
  std::string text;
  ::lseek(fd, 0, SEEK_SET);
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  ::unlink(path);
  auto lines = linesOf(text);
  ASSERT_EQ(lines.size(), 16000u);
  std::map<int, int> next;
  for (auto& line : lines) {
    int t = line[1] - '0';
    std::istringstream in(line.substr(3));
    int i = -1;
    std::string padding;
    in >> i >> padding;
    ASSERT_EQ(i, next[t]) << line;
    ASSERT_EQ(padding, std::string(100, static_cast<char>('a' + t))) << line;
    ++next[t];
  }
}

TEST(LogSink, AReaderThatFallsBehindCostsDroppedLinesNotABlockedCaller) {
  Pipe pipe;  // nobody reads it until the end: the writer blocks once the pipe is full
  cc::core::LogSink sink(pipe.write, 64 * 1024);
  const std::string line(1000, 'x');
  auto started = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int i = 0; i < 2000; ++i) accepted += sink.append(line) ? 1 : 0;
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(2)) << "append() waited for the output";
  EXPECT_LT(accepted, 2000);
  EXPECT_EQ(sink.dropped(), static_cast<std::uint64_t>(2000 - accepted));
  // Once the reader catches up, the log says how many lines it lost: in one report, or in
  // several when the writer got a turn between the drops (each says the lines lost since the
  // one before), so the reports add up to the lines dropped.
  const std::uint64_t lost = static_cast<std::uint64_t>(2000 - accepted);
  auto reportedIn = [](const std::string& text) {
    std::uint64_t sum = 0;
    const std::string prefix = "log: ", suffix = " lines were dropped";
    for (std::size_t at = text.find(suffix); at != std::string::npos; at = text.find(suffix, at + 1)) {
      std::size_t start = text.rfind(prefix, at);
      if (start != std::string::npos) sum += std::stoull(text.substr(start + prefix.size(), at - start - prefix.size()));
    }
    return sum;
  };
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (reportedIn(out) < lost && std::chrono::steady_clock::now() < deadline) {
    out += pipe.drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(reportedIn(out), lost) << out.substr(0, 2000);
  // Appending works again after the backlog is written.
  sink.flush();
  EXPECT_TRUE(sink.append("after"));
  sink.flush();
  EXPECT_NE(pipe.drain().find("after\n"), std::string::npos);
}

}  // namespace
