#pragma once

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>
#include <spdlog/logger.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/agent_registry.hpp"
#include "daemon/bus_connection.hpp"
#include "daemon/prompt_broker.hpp"
#include "dbus/connection_dict.hpp"

namespace sluice {

// The prompt agents on the bus: org.sluice.PromptAgent1 objects registered with RegisterAgent,
// and with dbus.fw_daemon_compat an fw-daemon prompter (com.subgraph.FirewallPrompt) asked when
// no agent may answer. Calls go out asynchronously with the prompt's timeout; replies come
// back on the bus thread (the queue thread: see BusConnection) and are handed to the broker.
// Bounded: at most kMaxPromptsPerAgent questions outstanding per agent; a busy agent is not
// asked. Bus thread only.
class BusPromptAgents final : public PromptAgents {
  public:
    static constexpr std::size_t kMaxPromptsPerAgent = 16;
    using PromptPendingSink =
        std::function<void(const std::string& prompt_id, const VariantDict& connection)>;

    BusPromptAgents(BusConnection& bus, std::shared_ptr<spdlog::logger> logger);
    ~BusPromptAgents() override;
    BusPromptAgents(const BusPromptAgents&) = delete;
    BusPromptAgents& operator=(const BusPromptAgents&) = delete;

    // Where answers go; set before the first ask().
    void set_broker(PromptBroker& broker) { broker_ = &broker; }
    // Told about every prompt that was asked (the PromptPending signal).
    void on_prompt_pending(PromptPendingSink sink) { prompt_pending_ = std::move(sink); }

    std::size_t ask(const PromptRequest& request) override;
    void withdraw(const std::string& prompt_id) override;

    Result<void> register_agent(const Agent& agent);
    bool unregister_agent(const std::string& sender, const std::string& path);
    // `sender` left the bus: its agents go, their pending questions count as failed.
    void sender_gone(const std::string& sender);

    // The fw-daemon prompter now is `unique_name`, acting for `uid`; nullopt: none.
    void set_fw_prompter(std::optional<std::string> unique_name, std::uint32_t uid);
    void set_fw_prompt_options(const FwPromptOptions& options) { fw_options_ = options; }
    [[nodiscard]] const FwPromptOptions& fw_prompt_options() const { return fw_options_; }

    [[nodiscard]] std::size_t agent_count() const { return registry_.size(); }

  private:
    struct Outstanding {
        std::string agent;  // proxies_ key, or "" for the fw-daemon prompter
        sdbus::PendingAsyncCall call;
    };

    static std::string key_of(const Agent& agent);
    bool ask_agent(const Agent& agent, const PromptRequest& request, const VariantDict& dict);
    bool ask_fw_prompter(const PromptRequest& request);
    // Removes the outstanding entry of `agent` for `prompt_id`; false if there was none.
    bool complete(const std::string& prompt_id, const std::string& agent);
    void fail_outstanding_of(const std::string& agent);

    BusConnection& bus_;
    std::shared_ptr<spdlog::logger> logger_;
    PromptBroker* broker_ = nullptr;
    PromptPendingSink prompt_pending_;
    AgentRegistry registry_;
    std::unordered_map<std::string, std::unique_ptr<sdbus::IProxy>> proxies_;
    std::unordered_map<std::string, std::size_t> asked_per_agent_;
    std::unordered_map<std::string, std::vector<Outstanding>> outstanding_;
    std::unique_ptr<sdbus::IProxy> fw_prompter_;
    std::string fw_prompter_name_;
    std::uint32_t fw_prompter_uid_ = 0;
    FwPromptOptions fw_options_;
};

}  // namespace sluice
