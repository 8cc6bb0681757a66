// Test plugin: queues one mail through ctx.mailer() per request, so the host's outbox and
// SMTP sender can be tested end to end with the real binary (no bundled plugin mails on demand).
//   POST /api/test/mail {"to": "...", "subject": "...", "text": "..."} -> 202 {"queued": true}
#include <codecouncil/sdk/sdk.hpp>

namespace {

class MailerPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "tp_mailer"; }
  std::string version() const override { return "0.0.1"; }

  void declare(cc::Declarations& d) override {
    d.http().add("POST", "/api/test/mail", [this](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      cc::Mail mail{cc::json::requireString(body, "to"), cc::json::requireString(body, "subject"),
                    cc::json::requireString(body, "text"), ""};
      auto out = cc::json::object();
      out->set("queued", mailer_->send(mail));
      res.json(202, out);
    }, {cc::Access::Public});
  }

  void start(cc::Context& ctx) override { mailer_ = &ctx.mailer(); }

 private:
  cc::Mailer* mailer_ = nullptr;
};

}  // namespace

CODECOUNCIL_PLUGIN(MailerPlugin)
