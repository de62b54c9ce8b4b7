"""``govsite init``: a new site that checks and builds as it is, and never over anything."""

from __future__ import annotations

import tomllib

from govsite.cli import main
from govsite.config import SETTINGS, load_config


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_makes_a_site_that_checks_and_builds(tmp_path, capsys) -> None:
    code, out, err = run(capsys, "-C", str(tmp_path), "init", "portal", "--title", "青山县政府信息公开")
    assert code == 0, err
    site = tmp_path / "portal"
    assert sorted(p.name for p in site.iterdir()) == [".gitignore", "content", "site.toml"]
    assert list((site / "content").iterdir()) == []
    assert (site / ".gitignore").read_text(encoding="utf-8") == "# govsite 生成的网站和构建缓存\npublic/\n.govsite-cache/\n"
    cfg, diags = load_config(site)
    assert diags == [] and cfg.title == "青山县政府信息公开" and cfg.publish_invalid is False
    assert out.startswith("已新建站点 portal：\n") and "  cd portal\n" in out and "govsite new 2024" in out
    assert run(capsys, "-C", str(site), "check")[0] == 0
    assert run(capsys, "-C", str(site), "build")[0] == 0
    assert (site / "public/index.html").is_file()


def test_site_toml_documents_every_setting(tmp_path, capsys) -> None:
    run(capsys, "-C", str(tmp_path), "init")
    text = (tmp_path / "site.toml").read_text(encoding="utf-8")
    for s in SETTINGS:
        assert f"# {s.help}" in text or s.key in ("meta", "agencies"), s.key
    assert "# [[agencies]]" in text and "# [meta]" in text
    # Uncommenting the example entry gives a valid registry.
    enabled = text.replace("# [[agencies]]", "[[agencies]]")
    for key in ("name", "slug", "level", "region"):
        enabled = "\n".join(line[2:] if line.startswith(f"# {key} = ") else line for line in enabled.split("\n"))
    tomllib.loads(enabled)
    (tmp_path / "site.toml").write_text(enabled, encoding="utf-8")
    cfg, diags = load_config(tmp_path)
    assert diags == [] and [a.slug for a in cfg.agencies] == ["mouxian-shangwu"]


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "-C", str(tmp_path), "init")
    assert code == 2
    assert err == f"govsite: 错误：目录 {tmp_path} 不是空的（有 notes.txt）：请换一个空目录，或加 --force 在此新建（不覆盖已有的文件）\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    (tmp_path / ".gitignore").write_text("*.pyc", encoding="utf-8")
    assert run(capsys, "-C", str(tmp_path), "init", "--force")[0] == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == (
        "*.pyc\n# govsite 生成的网站和构建缓存\npublic/\n.govsite-cache/\n")


def test_init_never_overwrites_a_site(tmp_path, capsys) -> None:
    (tmp_path / "site.toml").write_text('title = "已有的门户"\n', encoding="utf-8")
    code, _, err = run(capsys, "-C", str(tmp_path), "init", "--force")
    assert code == 2 and err == "govsite: 错误：site.toml 已存在：这里已经是一个站点（已有的设置不会被覆盖）\n"
    assert (tmp_path / "site.toml").read_text(encoding="utf-8") == 'title = "已有的门户"\n'


def test_init_in_a_fresh_git_repository(tmp_path, capsys) -> None:
    (tmp_path / ".git").mkdir()
    code, out, _ = run(capsys, "-C", str(tmp_path), "init")
    assert code == 0 and out.startswith("已在当前目录新建站点：\n") and "cd " not in out
    assert (tmp_path / "site.toml").is_file()
