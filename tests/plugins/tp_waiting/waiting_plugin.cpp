// cc::Waiting (Context::waiting()) as a plugin sees it: a rendezvous route whose requests wait
// for each other, so a test can tell from outside whether a waiting request holds a thread.
//
//   GET /api/test/waiting/rendezvous?group=G&size=N
//       waits until N requests of group G have arrived, then all N answer
//       {"arrived": N, "threadsSeen": T} (T: the distinct threads the group's requests ran on
//       before and after waiting)
//
// With server.threads below N, the group can only complete if waiting requests step off
// their threads: threads that block would all be taken by the first requests, and the last
// ones could never arrive.
#include <codecouncil/sdk/sdk.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace {

struct Group {
  long arrived = 0;
  std::vector<cc::Waiting::Wake> waiting;
  std::set<std::string> threads;
};

std::string threadName() {
  std::ostringstream out;
  out << std::this_thread::get_id();
  return out.str();
}

}  // namespace

class WaitingPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "tp_waiting"; }
  std::string version() const override { return "0.0.1"; }

  void declare(cc::Declarations& d) override {
    d.http().add("GET", "/api/test/waiting/rendezvous", [this](cc::Request& req, cc::Response& res) {
      const std::string name = req.queryParam("group").value_or("");
      long size = 1;
      try {
        size = std::stol(req.queryParam("size").value_or("1"));
      } catch (const std::exception&) {
        throw cc::HttpError(400, "size must be a number");
      }
      std::shared_ptr<Group> group;
      std::vector<cc::Waiting::Wake> wakeNow;
      {
        std::lock_guard lock(mutex_);
        auto& g = groups_[name];
        if (!g) g = std::make_shared<Group>();
        group = g;
        group->threads.insert(threadName());
        if (++group->arrived >= size) wakeNow.swap(group->waiting);
      }
      for (auto& wake : wakeNow) wake();
      // Wait (as a condition variable: check again after each wake) until the group is whole.
      for (;;) {
        {
          std::lock_guard lock(mutex_);
          if (group->arrived >= size) break;
        }
        ctx_->waiting().suspend([&](cc::Waiting::Wake wake) {
          std::unique_lock lock(mutex_);
          if (group->arrived >= size) {
            lock.unlock();
            return wake();
          }
          group->waiting.push_back(std::move(wake));
        });
      }
      auto o = cc::json::object();
      {
        std::lock_guard lock(mutex_);
        group->threads.insert(threadName());
        o->set("arrived", group->arrived);
        o->set("threadsSeen", static_cast<long>(group->threads.size()));
      }
      res.json(200, o);
    }, {cc::Access::Public});
  }

  void start(cc::Context& ctx) override { ctx_ = &ctx; }
  void stop() override {}

 private:
  cc::Context* ctx_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Group>> groups_;
};

CODECOUNCIL_PLUGIN(WaitingPlugin)
