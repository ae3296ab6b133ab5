#include "cli/prompt_agent.hpp"

#include <memory>

namespace sluice::cli {

namespace {

constexpr const char* kNotAllowedError = "org.sluice.PromptAgent1.Error.AccessDenied";
constexpr const char* kWithdrawnError = "org.sluice.PromptAgent1.Error.Withdrawn";

// The method call's reply, sent when the person answers or the prompt is withdrawn.
class BusReply final : public PendingReply {
  public:
    explicit BusReply(sdbus::Result<VariantDict>&& result) : result_(std::move(result)) {}

    // A reply that cannot be sent means the caller or the bus is gone: nobody is left to
    // tell, and PromptSession may withdraw from its destructor, so nothing escapes.
    void answer(const Decision& decision) override {
        try {
            result_.returnResults(decision_dict(decision));
        } catch (const sdbus::Error&) {
        }
    }
    void withdraw(std::string_view reason) override {
        try {
            result_.returnError(sdbus::Error(kWithdrawnError, std::string(reason)));
        } catch (const sdbus::Error&) {
        }
    }

  private:
    sdbus::Result<VariantDict> result_;
};

}  // namespace

VariantDict decision_dict(const Decision& decision) {
    VariantDict dict{
        {"action", sdbus::Variant(decision.action)},
        {"scope", sdbus::Variant(decision.scope)},
        {"match_host", sdbus::Variant(decision.match_host)},
        {"match_port", sdbus::Variant(decision.match_port)},
        {"match_user", sdbus::Variant(decision.match_user)},
    };
    if (!decision.duration.empty()) {
        dict.emplace("duration", sdbus::Variant(decision.duration));
    }
    return dict;
}

PromptAgent::PromptAgent(sdbus::IConnection& bus, PromptSession& session,
                         std::function<std::string()> daemon_owner)
    : AdaptorInterfaces(bus, kPromptAgentPath),
      session_(session),
      daemon_owner_(std::move(daemon_owner)) {
    registerAdaptor();
}

PromptAgent::~PromptAgent() {
    unregisterAdaptor();
}

bool PromptAgent::from_daemon() const {
    const auto* message = getObject().getCurrentlyProcessedMessage();
    const std::string owner = daemon_owner_();
    return message != nullptr && !owner.empty() && message->getSender() == owner;
}

void PromptAgent::RequestDecision(sdbus::Result<VariantDict>&& result, std::string prompt_id,
                                  VariantDict connection) {
    if (!from_daemon()) {
        result.returnError(
            sdbus::Error(kNotAllowedError, "only sluiced may ask this agent for decisions"));
        return;
    }
    session_.add(std::move(prompt_id), from_dict(connection),
                 std::make_unique<BusReply>(std::move(result)));
}

void PromptAgent::Cancel(const std::string& prompt_id) {
    if (!from_daemon()) {
        throw sdbus::Error(kNotAllowedError, "only sluiced may cancel prompts");
    }
    session_.cancel(prompt_id);
}

}  // namespace sluice::cli
