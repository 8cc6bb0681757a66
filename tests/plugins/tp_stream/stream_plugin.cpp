// Streamed bodies (cc::Response::stream) for the socket tests: a route that streams numbered
// lines, piece by piece, and one that reports how often each stream's writer was called and
// whether it was destroyed, so a test sees from outside what the host did with the writer.
//
//   GET /api/test/stream/lines?tag=T&lines=N&per_piece=K[&throw_after=P][&empty_pieces=1]
//       N lines of streamLine(i) (95 bytes each), K lines per piece; throw_after: the writer
//       throws when asked for piece P+1; empty_pieces: an empty piece before every real one.
//   GET /api/test/stream/status?tag=T   {"calls", "pieces", "bytes", "live", "destroyed"}
//
// stop() logs how many writers are still alive: the host must have destroyed them all before
// it stops (and unloads) the plugin whose code they run.
#include <codecouncil/sdk/sdk.hpp>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace {

struct Tally {
  std::atomic<long> calls{0};   // writer calls, empty pieces included
  std::atomic<long> pieces{0};  // non-empty pieces produced
  std::atomic<long> bytes{0};
  std::atomic<int> live{0};
  std::atomic<int> destroyed{0};
};

std::atomic<int> liveWriters{0};

// Shared by the copies of one writer (std::function copies its target): counts one life.
struct WriterLife {
  explicit WriterLife(std::shared_ptr<Tally> t) : tally(std::move(t)) {
    ++tally->live;
    ++liveWriters;
  }
  ~WriterLife() {
    --tally->live;
    ++tally->destroyed;
    --liveWriters;
  }
  WriterLife(const WriterLife&) = delete;
  WriterLife& operator=(const WriterLife&) = delete;
  std::shared_ptr<Tally> tally;
};

// Line i of every stream: the tests rebuild the expected body from the same rule.
void appendStreamLine(std::string& out, long i) {
  char number[32];
  std::snprintf(number, sizeof number, "line %09ld ", i);
  out += number;
  out.append(79, static_cast<char>('a' + i % 26));
  out += '\n';
}

long numberParam(const cc::Request& req, const std::string& name, long fallback) {
  auto text = req.queryParam(name);
  return text ? std::stol(*text) : fallback;
}

}  // namespace

class StreamPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "tp_stream"; }
  std::string version() const override { return "0.0.1"; }

  void declare(cc::Declarations& d) override {
    d.http().add("GET", "/api/test/stream/lines", [this](cc::Request& req, cc::Response& res) {
      const long lines = numberParam(req, "lines", 10);
      const long perPiece = std::max(1L, numberParam(req, "per_piece", 1));
      const long throwAfter = numberParam(req, "throw_after", -1);
      const bool emptyPieces = numberParam(req, "empty_pieces", 0) != 0;
      auto life = std::make_shared<WriterLife>(tally(req.queryParam("tag").value_or("")));
      res.setHeader("X-Stream-Lines", std::to_string(lines));
      res.stream(200, "text/plain; charset=utf-8",
                 [life, lines, perPiece, throwAfter, emptyPieces, next = 0L, emptyDue = emptyPieces](
                     std::string& piece) mutable {
                   Tally& t = *life->tally;
                   ++t.calls;
                   if (emptyDue) {
                     emptyDue = false;
                     return true;
                   }
                   emptyDue = emptyPieces;
                   if (throwAfter >= 0 && t.pieces.load() >= throwAfter) throw std::runtime_error("stream broke on purpose");
                   for (long end = std::min(lines, next + perPiece); next < end; ++next) appendStreamLine(piece, next);
                   if (!piece.empty()) ++t.pieces;
                   t.bytes += static_cast<long>(piece.size());
                   return next < lines;
                 });
    }, {cc::Access::Public});

    d.http().add("GET", "/api/test/stream/status", [this](cc::Request& req, cc::Response& res) {
      auto t = tally(req.queryParam("tag").value_or(""));
      auto o = cc::json::object();
      o->set("calls", static_cast<long>(t->calls.load()));
      o->set("pieces", static_cast<long>(t->pieces.load()));
      o->set("bytes", static_cast<long>(t->bytes.load()));
      o->set("live", t->live.load());
      o->set("destroyed", t->destroyed.load());
      res.json(200, o);
    }, {cc::Access::Public});
  }

  void start(cc::Context& ctx) override { ctx_ = &ctx; }
  void stop() override { ctx_->log().info("tp_stream stops with {} writers alive", liveWriters.load()); }

 private:
  std::shared_ptr<Tally> tally(const std::string& tag) {
    std::lock_guard lock(mutex_);
    auto& t = tallies_[tag];
    if (!t) t = std::make_shared<Tally>();
    return t;
  }

  cc::Context* ctx_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Tally>> tallies_;
};

CODECOUNCIL_PLUGIN(StreamPlugin)
