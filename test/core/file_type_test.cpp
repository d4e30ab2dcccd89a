// True types: the prose fast path (libmagic's built-in tests only) must
// give libmagic's full answer for every text it takes. Checked against
// libmagic itself, with every soft test, over every leaf of every corpus
// mail and over scripts, markup and structured text made to look plain.
#include <catch2/catch_test_macros.hpp>

#include <magic.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/c_handles.h"
#include "core/file_type.h"
#include "core/mime_parser.h"
#include "test/common/corpus.h"

namespace {

// libmagic with every test, as trueType() uses it without the fast path.
std::string fullMagic(std::string_view bytes) {
  static mugai::MagicPtr cookie = [] {
    mugai::MagicPtr m(magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR));
    REQUIRE(magic_load(m.get(), nullptr) == 0);
    return m;
  }();
  const char* t = magic_buffer(cookie.get(), bytes.data(), bytes.size());
  return t ? mugai::refineType(bytes, t) : "application/x-unknown";
}

}  // namespace

TEST_CASE("file type: the prose fast path agrees with libmagic on every corpus leaf it takes", "[file_type]") {
  std::size_t leaves = 0, fast = 0;
  for (const auto& path : mugai::test::mailFiles()) {
    auto parsed = mugai::parseMessage(mugai::test::readFile(path), mugai::Limits{},
                                      std::chrono::steady_clock::now() + std::chrono::seconds(30));
    parsed.root->forEach([&](const mugai::Node& n) {
      if (n.kind != mugai::NodeKind::Leaf || n.decoded.empty()) return;
      ++leaves;
      if (!mugai::looksLikeProse(n.decoded)) return;
      ++fast;
      INFO(path.string() << " part " << n.path);
      CHECK(mugai::trueType(n.decoded) == fullMagic(n.decoded));
    });
  }
  INFO(fast << " of " << leaves << " leaves took the fast path");
  CHECK(leaves > 1500);
  CHECK(fast > leaves / 5);  // the fast path is worth having on real mail
}

TEST_CASE("file type: scripts, markup and structured text never take the prose fast path", "[file_type]") {
  // Each is something libmagic's soft tests name (or might), written to
  // avoid obvious punctuation where the language allows.
  const std::vector<std::string> notProse = {
      "<html><body>x</body></html>\n", "hello\n<script>alert(1)</script>\n", "<?xml version=\"1.0\"?>\n<a/>\n",
      "<?php system($_GET[1]); ?>\n", "#!/bin/sh\necho hi\n", "#!/usr/bin/env python3\nprint(1)\n",
      "@echo off\r\nstart calc.exe\r\n", "import os\ndef main():\n    os.system(\"calc\")\n",
      "Set o = CreateObject(\"WScript.Shell\")\r\n", "From: a@example.jp\nSubject: x\n\nbody\n",
      "Return-Path: x\n", "Received: from x\n", "Subject: hi\nX: y\n\nbody\n", "From someone Mon Jan  1 00:00:00 2024\nhi\n",
      "all:\n\tcc -o x x.c\n", "BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n", "BEGIN:VCALENDAR\nEND:VCALENDAR\n",
      "diff --git a b\n--- a\n+++ b\n", "[boot]\nx=1\n", "(defun f (x) x)\n", "\\documentclass{article}\n",
      "%!PS-Adobe-3.0\n", "{\\rtf1 hello}\n", "-----BEGIN PGP SIGNATURE-----\nabc\n", "{\"a\": 1}\n",
      "\x1b$B$3$s$K$A$O\x1b(B\n", std::string("a\0b", 3), "line\n  indented\n", "\tTabbed\n",
      // Found by review: prose-looking lines libmagic reads as Python,
      // Ruby, a forward file, news, or a diff.
      "Dear all\nfrom Japan import cars\n", "class Foo\nmodule Bar\ndef x\nend\n", "Forward to all staff\n",
      "Pipe to office\n", "Article 5 of the contract is void\n", "diff a b\n", "Only in here and there\n",
      "Common subdirectories and more\n", "import sys\n", "Echo hello\n"};
  for (const auto& text : notProse) {
    INFO(text);
    CHECK_FALSE(mugai::looksLikeProse(text));
  }
  // And prose takes it, with libmagic's answer.
  const std::vector<std::string> prose = {
      "Dear Sir, this is about our meeting on Monday.\nRegards, Sato\n", "こんにちは。\r\n\r\n会議の資料を送ります。\r\n",
      "a,b,c\n1,2,3\n4,5,6\n"};
  for (const auto& text : prose) {
    INFO(text);
    CHECK(mugai::looksLikeProse(text));
    CHECK(mugai::trueType(text) == fullMagic(text));
  }
  CHECK(mugai::trueType("a,b,c\n1,2,3\n4,5,6\n") == "text/csv");  // the built-in tests still run
}
