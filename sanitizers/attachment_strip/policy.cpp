// See policy.h. The lists come from the file types Japanese municipalities'
// mail rules name (添付ファイル削除の対象) and from the Emotet / IcedID / Qakbot
// waves of 2022-2023: LNK, OneNote, ISO/IMG/VHD, macro Office, HTA/JS/VBS.
#include "sanitizers/attachment_strip/policy.h"

#include <algorithm>

namespace mugai::sanitizers::attachment_strip {

const std::vector<Category>& builtinCategories() {
  static const std::vector<Category> kCategories{
      {"executable", "an executable program", "実行ファイル",
       {"application/x-dosexec", "application/vnd.microsoft.portable-executable", "application/x-executable",
        "application/x-sharedlib", "application/x-pie-executable", "application/x-mach-binary", "application/x-elf",
        "application/x-msdownload", "application/vnd.symbian.install", "application/x-coff"},
       {"exe", "dll", "scr", "com", "pif", "cpl", "sys", "drv", "ocx", "efi", "elf", "xll"}},
      {"script", "a script", "スクリプト",
       {"text/x-shellscript", "application/x-sh", "text/x-python", "text/x-script.python", "text/x-perl",
        "text/x-php", "application/javascript", "text/javascript", "application/x-javascript",
        "text/x-msdos-batch", "application/x-bat", "text/vbscript", "application/hta", "text/x-powershell"},
       {"js", "jse", "mjs", "vbs", "vbe", "wsf", "wsh", "wsc", "hta", "ps1", "psm1", "psd1", "bat", "cmd", "sh",
        "py", "pl", "php", "reg", "scf", "inf", "sct", "msc", "jnlp", "ahk", "au3"}},
      {"shortcut", "a shortcut", "ショートカット",
       {"application/x-ms-shortcut", "application/x-mswinurl"},
       {"lnk", "url", "website", "desktop", "settingcontent-ms", "library-ms", "searchconnector-ms"}},
      {"installer", "an installer package", "インストーラー",
       {"application/x-msi", "application/x-ms-installer", "application/vnd.ms-msi", "application/x-ms-compress-szdd"},
       {"msi", "msp", "msix", "msixbundle", "appx", "appxbundle", "appinstaller", "application", "gadget"}},
      {"disk_image", "a disk image", "ディスクイメージ",
       {"application/x-iso9660-image", "application/x-raw-disk-image", "application/x-virtualbox-vhd",
        "application/x-vhd", "application/x-vhdx", "application/x-virtualbox-vmdk", "application/x-apple-diskimage",
        "application/x-qemu-disk"},
       {"iso", "img", "vhd", "vhdx", "vmdk", "dmg", "udf"}},
      {"onenote", "a OneNote notebook", "OneNote ファイル", {"application/onenote"}, {"one", "onepkg", "onetoc2"}},
      {"java", "a Java program", "Java プログラム",
       {"application/java-archive", "application/x-java-applet", "application/x-java"}, {"jar", "class"}},
      {"help_file", "a compiled help file", "ヘルプファイル", {"application/vnd.ms-htmlhelp", "application/winhlp"},
       {"chm", "hlp"}},
      {"macro_office", "an Office document with macros", "マクロ付き Office 文書",
       {"application/vnd.ms-office.vbaproject", "application/vnd.ms-word.document.macroenabled.12",
        "application/vnd.ms-word.template.macroenabled.12", "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-excel.template.macroenabled.12", "application/vnd.ms-excel.addin.macroenabled.12",
        "application/vnd.ms-powerpoint.presentation.macroenabled.12",
        "application/vnd.ms-powerpoint.slideshow.macroenabled.12"},
       {"docm", "dotm", "xlsm", "xltm", "xlsb", "xlam", "pptm", "potm", "ppam", "ppsm", "sldm"}},
      {"embedded_object", "an Office document with embedded objects (OLE packages)", "埋め込みオブジェクト付き Office 文書",
       {"application/vnd.ms-office.oleobject"}, {}},
      {"unscannable_archive", "an archive mugai cannot open", "検査できない圧縮ファイル",
       {"application/x-7z-compressed", "application/vnd.rar", "application/x-rar", "application/x-rar-compressed",
        "application/x-arj", "application/vnd.ms-cab-compressed", "application/x-lzh-compressed", "application/x-lha",
        "application/x-cpio", "application/x-tar", "application/gzip", "application/x-gzip", "application/x-bzip2",
        "application/x-xz", "application/zstd", "application/x-lzip", "application/x-lzma",
        "application/x-ace-compressed", "application/x-stuffit", "application/mac-binhex40", "application/x-archive"},
       {"7z", "rar", "arj", "cab", "lzh", "lha", "tar", "gz", "tgz", "bz2", "tbz", "xz", "txz", "zst", "ace",
        "cpio", "z", "hqx", "sit", "uue", "xxe"}},
      {"tnef", "a winmail.dat (TNEF) container mugai cannot open", "開けない winmail.dat (TNEF)",
       {"application/vnd.ms-tnef", "application/ms-tnef"}, {"dat"}},
      {"html_attachment", "an HTML or SVG file (phishing pages, scripts)", "HTML／SVG ファイル",
       {"image/svg+xml", "text/html", "application/xhtml+xml"},
       {"htm", "html", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xht"}},
  };
  return kCategories;
}

Policy defaultPolicy() {
  Policy p;
  for (const auto& c : builtinCategories()) p.denyCategories.insert(std::string(c.name));
  return p;
}

const Category* deniedCategory(const Policy& p, const std::string& trueType, const std::string& extension,
                               bool attachment) {
  for (const auto& c : builtinCategories()) {
    if (!p.denyCategories.count(std::string(c.name))) continue;
    bool byType = std::find(c.types.begin(), c.types.end(), trueType) != c.types.end();
    // HTML in a body part is html_to_text's to convert (and libmagic calls
    // many plain bodies text/html); as a file to open, it is a page.
    if (c.name == "html_attachment" && !attachment && trueType != "image/svg+xml") byType = false;
    bool byExt = !extension.empty() && std::find(c.extensions.begin(), c.extensions.end(), extension) != c.extensions.end();
    // ".dat" alone is too common to deny; it counts only with a TNEF type.
    if (c.name == "tnef") byExt = false;
    if (byType || byExt) return &c;
  }
  return nullptr;
}

}  // namespace mugai::sanitizers::attachment_strip
