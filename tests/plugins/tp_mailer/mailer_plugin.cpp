// Test plugin: queues one mail through ctx.mailer() per request, so the host's outbox and
// SMTP sender can be tested end to end with the real binary (no bundled plugin mails on demand).
//   POST /api/test/mail {"to": "...", "subject": "...", "text": "..."} -> 202 {"queued": true}
#include <codecouncil/sdk/sdk.hpp>

namespace {

class MailerPlugin : public cc::Plugin {
 public:
  std::string name() const override { return "tp_mailer"; }
  std::string version() const override { return "0.0.1"; }

  void start(cc::Context& ctx) override {
    cc::Mailer* mailer = &ctx.mailer();
    ctx.http().add("POST", "/api/test/mail", [mailer](cc::Request& req, cc::Response& res) {
      auto body = req.jsonBody();
      cc::Mail mail{cc::json::requireString(body, "to"), cc::json::requireString(body, "subject"),
                    cc::json::requireString(body, "text"), ""};
      auto out = cc::json::object();
      out->set("queued", mailer->send(mail));
      res.json(202, out);
    }, {cc::Access::Public});
  }
};

}  // namespace

CODECOUNCIL_PLUGIN(MailerPlugin)
