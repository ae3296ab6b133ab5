#include "daemon/bus_prompt_agents.hpp"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>

#include "dbus/bus_names.hpp"
#include "dbus/generated/com_subgraph_FirewallPrompt_proxy.h"
#include "dbus/generated/org_sluice_PromptAgent1_proxy.h"
#include "dbus/prompt_answer.hpp"

namespace sluice {

namespace {

// The broker's own deadline withdraws the question first; the bus timeout only frees sd-bus's
// reply slot if an agent never answers at all.
constexpr std::chrono::seconds kCallTimeoutMargin{2};
constexpr const char* kFwPrompter = "";

const char* agent_interface() {
    return org::sluice::PromptAgent1_proxy::INTERFACE_NAME;
}

}  // namespace

BusPromptAgents::BusPromptAgents(BusConnection& bus, std::shared_ptr<spdlog::logger> logger)
    : bus_(bus), logger_(std::move(logger)) {}

BusPromptAgents::~BusPromptAgents() {
    for (auto& [id, entries] : outstanding_) {
        for (auto& entry : entries) {
            entry.call.cancel();
        }
    }
}

std::string BusPromptAgents::key_of(const Agent& agent) {
    return agent.sender + '\n' + agent.path;
}

Result<void> BusPromptAgents::register_agent(const Agent& agent) {
    if (auto added = registry_.add(agent); !added) {
        return added;
    }
    const std::string key = key_of(agent);
    if (proxies_.count(key) == 0) {
        try {
            proxies_.emplace(key, sdbus::createProxy(bus_.connection(), agent.sender, agent.path));
        } catch (const sdbus::Error& error) {
            registry_.remove(agent.sender, agent.path);
            return Error{"cannot reach the agent: " + error.getMessage()};
        }
    }
    logger_->info("prompt agent {} at {} registered for uid {}", agent.sender, agent.path,
                  agent.uid);
    return {};
}

bool BusPromptAgents::unregister_agent(const std::string& sender, const std::string& path) {
    if (!registry_.remove(sender, path)) {
        return false;
    }
    const std::string key = sender + '\n' + path;
    fail_outstanding_of(key);
    proxies_.erase(key);
    logger_->info("prompt agent {} at {} unregistered", sender, path);
    return true;
}

void BusPromptAgents::sender_gone(const std::string& sender) {
    for (const auto& agent : registry_.remove_sender(sender)) {
        const std::string key = key_of(agent);
        fail_outstanding_of(key);
        proxies_.erase(key);
        logger_->info("prompt agent {} at {} left the bus", agent.sender, agent.path);
    }
    if (fw_prompter_ && sender == fw_prompter_name_) {
        set_fw_prompter(std::nullopt, 0);
    }
}

void BusPromptAgents::set_fw_prompter(std::optional<std::string> unique_name, std::uint32_t uid) {
    if (fw_prompter_) {
        fail_outstanding_of(kFwPrompter);
        fw_prompter_.reset();
        fw_prompter_name_.clear();
    }
    if (!unique_name) {
        return;
    }
    try {
        fw_prompter_ = sdbus::createProxy(bus_.connection(), *unique_name, bus::kFwPromptPath);
        fw_prompter_name_ = *unique_name;
        fw_prompter_uid_ = uid;
        logger_->info("fw-daemon prompter {} (uid {}) will be asked when no agent can be",
                      *unique_name, uid);
    } catch (const sdbus::Error& error) {
        logger_->warn("cannot use the fw-daemon prompter {}: {}", *unique_name, error.getMessage());
    }
}

std::size_t BusPromptAgents::ask(const PromptRequest& request) {
    const VariantDict dict = connection_dict(request.connection);
    std::size_t asked = 0;
    for (const auto& agent : registry_.eligible(request.connection.uid)) {
        asked += ask_agent(agent, request, dict) ? 1 : 0;
    }
    if (asked == 0 && fw_prompter_ &&
        (fw_prompter_uid_ == 0 ||
         (request.connection.uid && *request.connection.uid == fw_prompter_uid_))) {
        asked += ask_fw_prompter(request) ? 1 : 0;
    }
    if (asked > 0 && prompt_pending_) {
        prompt_pending_(request.id, dict);
    }
    bus_.refresh();
    return asked;
}

bool BusPromptAgents::ask_agent(const Agent& agent, const PromptRequest& request,
                                const VariantDict& dict) {
    const std::string key = key_of(agent);
    auto& asked = asked_per_agent_[key];
    const auto proxy = proxies_.find(key);
    if (asked >= kMaxPromptsPerAgent || proxy == proxies_.end()) {
        return false;
    }
    try {
        auto call =
            proxy->second->callMethodAsync("RequestDecision")
                .onInterface(agent_interface())
                .withTimeout(request.timeout + kCallTimeoutMargin)
                .withArguments(request.id, dict)
                .uponReplyInvoke([this, id = request.id, key](const sdbus::Error* error,
                                                              const VariantDict& decision) {
                    if (!complete(id, key)) {
                        return;  // withdrawn meanwhile
                    }
                    if (error != nullptr) {
                        logger_->info("prompt agent {} did not answer prompt {}: {}", key, id,
                                      error->getMessage());
                        broker_->agent_failed(id);
                        return;
                    }
                    auto answer = answer_from_dict(decision);
                    if (!answer) {
                        logger_->warn("prompt agent {} sent a bad decision for prompt {}: {}", key,
                                      id, answer.error().message());
                        broker_->agent_failed(id);
                        return;
                    }
                    broker_->answer(id, *answer);
                });
        outstanding_[request.id].push_back(Outstanding{key, std::move(call)});
        ++asked;
        return true;
    } catch (const sdbus::Error& error) {
        logger_->warn("cannot ask prompt agent {}: {}", key, error.getMessage());
        return false;
    }
}

bool BusPromptAgents::ask_fw_prompter(const PromptRequest& request) {
    const FwPromptRequest r = fw_prompt_request(request.connection, fw_options_);
    try {
        auto call =
            fw_prompter_->callMethodAsync("RequestPrompt")
                .onInterface(com::subgraph::FirewallPrompt_proxy::INTERFACE_NAME)
                .withTimeout(request.timeout + kCallTimeoutMargin)
                .withArguments(r.application, r.icon, r.path, r.address, r.port, r.ip, r.origin,
                               r.proto, r.uid, r.gid, r.user, r.group, r.pid, r.sandbox, r.is_socks,
                               r.optstring, r.expanded, r.expert, r.action)
                .uponReplyInvoke([this, id = request.id](const sdbus::Error* error,
                                                         std::int32_t scope,
                                                         const std::string& rule) {
                    if (!complete(id, kFwPrompter)) {
                        return;
                    }
                    if (error != nullptr) {
                        logger_->info("fw-daemon prompter did not answer prompt {}: {}", id,
                                      error->getMessage());
                        broker_->agent_failed(id);
                        return;
                    }
                    auto answer = answer_from_fw_daemon(scope, rule);
                    if (!answer) {
                        logger_->warn("fw-daemon prompter sent a bad answer for prompt {}: {}", id,
                                      answer.error().message());
                        broker_->agent_failed(id);
                        return;
                    }
                    broker_->answer(id, *answer);
                });
        outstanding_[request.id].push_back(Outstanding{kFwPrompter, std::move(call)});
        return true;
    } catch (const sdbus::Error& error) {
        logger_->warn("cannot ask the fw-daemon prompter: {}", error.getMessage());
        return false;
    }
}

bool BusPromptAgents::complete(const std::string& prompt_id, const std::string& agent) {
    const auto found = outstanding_.find(prompt_id);
    if (found == outstanding_.end()) {
        return false;
    }
    auto& entries = found->second;
    const auto before = entries.size();
    std::erase_if(entries, [&](const Outstanding& entry) { return entry.agent == agent; });
    if (entries.size() == before) {
        return false;
    }
    if (!agent.empty()) {
        --asked_per_agent_[agent];
    }
    if (entries.empty()) {
        outstanding_.erase(found);
    }
    return true;
}

void BusPromptAgents::withdraw(const std::string& prompt_id) {
    auto node = outstanding_.extract(prompt_id);
    if (node.empty()) {
        return;
    }
    bus_.refresh();
    for (auto& entry : node.mapped()) {
        entry.call.cancel();
        if (entry.agent.empty()) {
            continue;  // fw-daemon's prompter has no Cancel
        }
        --asked_per_agent_[entry.agent];
        const auto proxy = proxies_.find(entry.agent);
        if (proxy == proxies_.end()) {
            continue;
        }
        try {
            auto cancel = proxy->second->createMethodCall(agent_interface(), "Cancel");
            cancel << prompt_id;
            cancel.dontExpectReply();
            proxy->second->callMethod(cancel);
        } catch (const sdbus::Error& error) {
            logger_->info("cannot send Cancel to prompt agent {}: {}", entry.agent,
                          error.getMessage());
        }
    }
}

void BusPromptAgents::fail_outstanding_of(const std::string& agent) {
    std::vector<std::string> failed;
    for (auto& [id, entries] : outstanding_) {
        for (auto& entry : entries) {
            if (entry.agent == agent) {
                entry.call.cancel();
                failed.push_back(id);
            }
        }
    }
    for (const auto& id : failed) {
        complete(id, agent);
        if (broker_ != nullptr) {
            broker_->agent_failed(id);
        }
    }
    asked_per_agent_.erase(agent);
}

}  // namespace sluice
