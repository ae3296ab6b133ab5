#include "cli/prompt_session.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "cli/connection_view.hpp"
#include "cli/terminal_text.hpp"
#include "rules/duration.hpp"

namespace sluice::cli {

namespace {

std::vector<std::string> lowercase_words(std::string_view line) {
    std::vector<std::string> words;
    std::string word;
    for (const char c : line) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            if (!word.empty()) {
                words.push_back(std::move(word));
                word.clear();
            }
            continue;
        }
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!word.empty()) {
        words.push_back(std::move(word));
    }
    return words;
}

std::string describe(const Decision& decision) {
    if (!decision.duration.empty()) {
        return decision.action + " for " + decision.duration;
    }
    return decision.action + ", " + decision.scope;
}

}  // namespace

PromptSession::PromptSession(std::ostream& out, MatchWidth width)
    : out_(out), width_(std::move(width)) {}

PromptSession::~PromptSession() {
    withdraw_all("the terminal prompt agent stopped");
}

void PromptSession::add(std::string prompt_id, Object connection,
                        std::unique_ptr<PendingReply> reply) {
    const auto same = std::find_if(queue_.begin(), queue_.end(),
                                   [&](const Prompt& prompt) { return prompt.id == prompt_id; });
    if (same != queue_.end()) {
        same->reply->withdraw("replaced by a newer request for the same prompt");
        same->reply = std::move(reply);
        same->connection = std::move(connection);
        if (same == queue_.begin()) {
            show_front();
        }
        return;
    }
    if (queue_.size() >= kMaxQueued) {
        reply->withdraw("too many prompts are waiting at this terminal");
        return;
    }
    queue_.push_back(Prompt{std::move(prompt_id), std::move(connection), std::move(reply)});
    if (queue_.size() == 1) {
        show_front();
    }
}

void PromptSession::cancel(const std::string& prompt_id) {
    const auto found = std::find_if(queue_.begin(), queue_.end(),
                                    [&](const Prompt& prompt) { return prompt.id == prompt_id; });
    if (found == queue_.end()) {
        return;
    }
    found->reply->withdraw("cancelled");
    if (found != queue_.begin()) {
        queue_.erase(found);
        return;
    }
    out_ << "\nprompt " << terminal_safe(prompt_id)
         << " withdrawn: it timed out or was answered elsewhere\n";
    drop_front();
}

void PromptSession::withdraw_all(std::string_view reason) {
    for (auto& prompt : queue_) {
        prompt.reply->withdraw(reason);
    }
    queue_.clear();
    stage_ = Stage::kAction;
}

void PromptSession::input_line(std::string_view line) {
    if (queue_.empty()) {
        return;
    }
    for (const auto& word : lowercase_words(line)) {
        const bool understood = stage_ == Stage::kAction ? take_action(word) : take_scope(word);
        if (!understood) {
            break;
        }
        if (stage_ == Stage::kAction) {
            return;  // take_scope finished the prompt and showed the next one
        }
    }
    ask();
}

void PromptSession::show_front() {
    const Prompt& prompt = queue_.front();
    out_ << "\nConnection waiting for a decision (prompt " << terminal_safe(prompt.id);
    if (queue_.size() > 1) {
        out_ << ", " << queue_.size() - 1 << " more waiting";
    }
    out_ << "):\n" << connection_details(prompt.connection);
    stage_ = Stage::kAction;
    ask();
}

void PromptSession::ask() {
    if (stage_ == Stage::kAction) {
        out_ << "[a]llow, [d]eny or [r]eject? ";
    } else {
        out_ << "For how long? [o]nce, [p]rocess, [s]ession, [u]ntil restart, [f]orever, or a "
                "duration like 1h: ";
    }
    out_.flush();
}

bool PromptSession::take_action(std::string_view word) {
    for (const std::string_view action : {"allow", "deny", "reject"}) {
        if (word == action || word == action.substr(0, 1)) {
            chosen_action_ = std::string(action);
            stage_ = Stage::kScope;
            return true;
        }
    }
    out_ << "Please answer a (allow), d (deny) or r (reject).\n";
    return false;
}

bool PromptSession::take_scope(std::string_view word) {
    Decision decision{chosen_action_, "", "", width_.host, width_.port, width_.user};
    for (const std::string_view scope :
         {"once", "process", "session", "until-restart", "forever"}) {
        if (word == scope || word == scope.substr(0, 1) ||
            (scope == "until-restart" && word == "restart")) {
            decision.scope = std::string(scope);
        }
    }
    if (decision.scope.empty()) {
        const auto duration = parse_duration(word);
        if (!duration) {
            out_ << "Please answer o, p, s, u, f, or a duration such as 30m, 1h or 7d.\n";
            return false;
        }
        decision.scope = "forever";
        decision.duration = format_duration(*duration);
    }
    finish_front(decision);
    return true;
}

void PromptSession::finish_front(const Decision& decision) {
    queue_.front().reply->answer(decision);
    out_ << "Answered: " << describe(decision) << ".\n";
    drop_front();
}

void PromptSession::drop_front() {
    queue_.pop_front();
    stage_ = Stage::kAction;
    if (queue_.empty()) {
        out_ << "Waiting for connections to decide (Ctrl-C to stop).\n";
        out_.flush();
    } else {
        show_front();
    }
}

}  // namespace sluice::cli
