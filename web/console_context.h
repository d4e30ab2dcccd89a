// What one request carries through the console (console.cpp, pages.cpp,
// actions.cpp); private to the console.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "web/console.h"

namespace mugai::web {

struct Console::Context {
  explicit Context(const Request& r) : request(r) {}
  const Request& request;
  Lang lang = Lang::Ja;
  std::string path;                              ///< the target without its query
  std::multimap<std::string, std::string> query;  ///< decoded query parameters
  std::multimap<std::string, std::string> form;   ///< decoded form fields (POST)
  std::optional<Session> session;  ///< set only when logged in
  std::string client;              ///< the client's address (X-Forwarded-For's last entry from a trusted proxy)
  std::string csrf;                ///< the token this request's forms carry (the session's, or the pre-login one)
  std::string itemId;                            ///< /items/ID... routes: ID as given (checked by the handler)
  std::vector<std::string> setCookies;

  std::string field(const std::string& name) const {
    auto it = form.find(name);
    return it == form.end() ? "" : it->second;
  }
  std::string param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? "" : it->second;
  }
  /// The hidden CSRF field every POST form carries.
  std::string csrfField() const {
    return csrf.empty() ? "" : "<input type=\"hidden\" name=\"csrf\" value=\"" + h(csrf) + "\">";
  }
};

/// The login form, with `error` above it ("" = none).
std::string loginForm(const Console::Context& c, const std::string& error);
/// /static/NAME: the console's CSS and JS (compiled in), or 404.
Response staticFile(const std::string& path);

}  // namespace mugai::web
