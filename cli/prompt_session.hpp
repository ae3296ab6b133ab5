#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/value.hpp"

namespace sluice::cli {

// The answer to one RequestDecision (spec/dbus.md "decision").
struct Decision {
    std::string action;    // allow | deny | reject
    std::string scope;     // once | process | session | until-restart | forever
    std::string duration;  // "1h" when the answer was a duration (scope forever), else ""
    std::string match_host = "exact";
    bool match_port = true;
    bool match_user = true;
    friend bool operator==(const Decision&, const Decision&) = default;
};

// The waiting D-Bus call behind one prompt. Exactly one of answer() or withdraw() is called.
class PendingReply {
  public:
    PendingReply() = default;
    virtual ~PendingReply() = default;
    PendingReply(const PendingReply&) = delete;
    PendingReply& operator=(const PendingReply&) = delete;
    PendingReply(PendingReply&&) = delete;
    PendingReply& operator=(PendingReply&&) = delete;
    virtual void answer(const Decision& decision) = 0;
    // The prompt went away (cancelled, replaced, or the daemon left): reply with an error so
    // the caller's call ends instead of waiting for its timeout.
    virtual void withdraw(std::string_view reason) = 0;
};

// What the person at the terminal sees and types, independent of the bus: pending prompts are
// queued and shown one at a time, each asking "[a]llow, [d]eny or [r]eject?" and then the
// scope ("[o]nce, [p]rocess, [s]ession, [u]ntil restart, [f]orever, or a duration like 1h").
// Both answers may be given on one line ("a f"). Runs on sluicectl's only thread.
class PromptSession {
  public:
    // How wide rules made from answers are (sluicectl prompt --match-host, --any-port,
    // --any-user): by default the host asked about, its port and the connection's user.
    struct MatchWidth {
        std::string host = "exact";
        bool port = true;
        bool user = true;
    };

    static constexpr std::size_t kMaxQueued = 64;

    PromptSession(std::ostream& out, MatchWidth width);
    ~PromptSession();
    PromptSession(const PromptSession&) = delete;
    PromptSession& operator=(const PromptSession&) = delete;
    PromptSession(PromptSession&&) = delete;
    PromptSession& operator=(PromptSession&&) = delete;

    // Queues a prompt and shows it if nothing else is on screen. A prompt id already queued
    // replaces the older request (which is withdrawn). Over kMaxQueued the request is withdrawn.
    void add(std::string prompt_id, Object connection, std::unique_ptr<PendingReply> reply);
    // The daemon withdrew the prompt (timeout, answered by another agent). Unknown ids are
    // ignored: the answer and the Cancel may cross.
    void cancel(const std::string& prompt_id);
    // Withdraws every prompt, e.g. when sluiced left the bus.
    void withdraw_all(std::string_view reason);
    // One line typed at the terminal, without its newline.
    void input_line(std::string_view line);

    [[nodiscard]] std::size_t queued() const { return queue_.size(); }

  private:
    struct Prompt {
        std::string id;
        Object connection;
        std::unique_ptr<PendingReply> reply;
    };
    enum class Stage : std::uint8_t { kAction, kScope };

    void show_front();
    void ask();
    void finish_front(const Decision& decision);
    void drop_front();
    // Consumes the words of `line` for the current stage; false with a hint when one is invalid.
    bool take_action(std::string_view word);
    bool take_scope(std::string_view word);

    std::ostream& out_;
    MatchWidth width_;
    std::deque<Prompt> queue_;
    Stage stage_ = Stage::kAction;
    std::string chosen_action_;
};

}  // namespace sluice::cli
