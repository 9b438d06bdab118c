"""Service paths as GitHub's `paths:` filter reads them: the examples of the workflow syntax's
filter pattern cheat sheet, `!` exclusions in order, escapes, and patterns that are refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_ci.engines.plan import globs

# (pattern, matches, does not match) — the cheat sheet's "patterns to match file paths", and more.
CASES = [
    ("*", ["README.md", "server.rb"], ["docs/README.md"]),
    ("*.jsx?", ["page.js", "page.jsx"], ["page.jsxx", "a/page.js"]),
    ("**", ["all/the/files.md", "x"], []),
    ("*.js", ["app.js", "index.js"], ["js/app.js", "app.jsx"]),
    ("**.js", ["index.js", "js/index.js", "src/js/app.js"], ["index.ts"]),
    ("docs/*", ["docs/README.md", "docs/file.txt"], ["docs/mona/octocat.txt", "README.md"]),
    ("docs/**", ["docs/README.md", "docs/mona/octocat.txt"], ["README.md", "other/docs/a.md"]),
    (
        "docs/**/*.md",
        ["docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"],
        ["docs/a.txt"],
    ),
    ("**/docs/**", ["docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"], ["docsy/a.md"]),
    ("**/README.md", ["README.md", "js/README.md"], ["README.mdx", "js/NOTREADME.md"]),
    ("**/*src/**", ["a/src/app.js", "my-src/code/js/app.js"], ["src.js"]),
    ("**/*-post.md", ["my-post.md", "path/their-post.md"], ["post.md"]),
    (
        "**/migrate-*.sql",
        ["migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"],
        ["migrate.sql"],
    ),
    (
        "services/api/**",
        ["services/api/main.py", "services/api/a/b/c.py"],
        ["services/apis/x.py", "services/api"],
    ),
    ("[CB]at", ["Cat", "Bat"], ["Rat", "cat", "CBat"]),
    ("[1-2]00", ["100", "200"], ["300", "1000"]),
    ("v[0-9a-z].txt", ["v1.txt", "vq.txt"], ["vQ.txt", "v10.txt"]),
    ("fo+", ["fo", "foo", "fooo"], ["f", "fob"]),
    ("Octoc?at", ["Octocat", "Octoat"], ["Octoccat"]),
    ("a\\*b", ["a*b"], ["axb", "a\\*b"]),
    ("a\\[1]", ["a[1]"], ["a1"]),
    ("\\!important", ["!important"], ["important"]),
    ("a.b", ["a.b"], ["axb"]),  # regex characters are literal
    ("(x)|y", ["(x)|y"], ["x", "y"]),
    ("dir with space/*", ["dir with space/a b.txt"], ["dir/a"]),
]


@pytest.mark.parametrize(("pattern", "yes", "no"), CASES, ids=[c[0] for c in CASES])
def test_a_pattern_matches_what_github_matches(pattern: str, yes: list[str], no: list[str]) -> None:
    compiled = globs.compile_pattern(pattern)
    assert not compiled.exclude
    assert [p for p in yes if not compiled.matches(p)] == []
    assert [p for p in no if compiled.matches(p)] == []


def test_star_does_not_cross_a_slash_and_two_stars_do() -> None:
    assert globs.compile_pattern("services/*").matches("services/a.py")
    assert not globs.compile_pattern("services/*").matches("services/api/a.py")
    assert globs.compile_pattern("services/**").matches("services/api/a.py")
    assert globs.compile_pattern("**/*.py").matches("a.py")  # `**/` may match no folder at all


def _select(patterns: list[str], path: str) -> bool:
    return globs.selects(tuple(globs.compile_pattern(p) for p in patterns), path)


@pytest.mark.parametrize(
    ("patterns", "path", "selected"),
    [
        (["*.md", "!README.md"], "README.md", False),
        (["*.md", "!README.md"], "docs.md", True),
        (["*.md", "!README*", "README.md"], "README.md", True),  # a later positive takes it back
        (["*.md", "!README*", "README.md"], "README.doc", False),
        (["sub-project/**", "!sub-project/docs/**"], "sub-project/docs/a.md", False),
        (["sub-project/**", "!sub-project/docs/**"], "sub-project/src/a.py", True),
        (["!sub-project/docs/**", "sub-project/**"], "sub-project/docs/a.md", True),  # order matters
        (["a/**"], "b/x", False),
        (["a/**", "!**/*.md"], "a/README.md", False),
    ],
)
def test_the_last_pattern_that_matches_decides(patterns: list[str], path: str, selected: bool) -> None:
    assert _select(patterns, path) is selected


def test_an_exclude_pattern_is_marked() -> None:
    pattern = globs.compile_pattern("!docs/**")
    assert pattern.exclude and pattern.text == "!docs/**" and pattern.matches("docs/a")


@pytest.mark.parametrize(
    "path", ["docker/api.Dockerfile", "odd/[1]*?+!.txt", "!bang/x", "a\\b", "dir with space/x"]
)
def test_a_literal_path_pattern_matches_that_path_only(path: str) -> None:
    pattern = globs.compile_pattern(globs.literal(path))
    assert pattern.matches(path) and not pattern.exclude
    assert not pattern.matches(path + "x") and not pattern.matches("x" + path)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", "empty"),
        ("!", "empty after `!`"),
        ("/services/**", "do not start with `/`"),
        ("a[bc", "never closed"),
        ("a[]", "lists no character"),
        ("[z-a]", "`z-a` is not within"),
        ("[a-Z]", "`a-Z` is not within"),
        ("[a/b]", "cannot match `/`"),
        ("?x", "`?` at the start"),
        ("+x", "`+` at the start"),
        ("a*+", "after a wildcard"),
        ("a**?", "after a wildcard"),
        ("trailing\\", "escapes nothing"),
    ],
)
def test_a_pattern_that_is_no_filter_pattern_is_refused_saying_why(pattern: str, message: str) -> None:
    with pytest.raises(globs.GlobError) as raised:
        globs.compile_pattern(pattern)
    assert message in str(raised.value)


@settings(max_examples=300, deadline=None)
@given(
    pattern=st.text(alphabet="ab/.*?+[]-\\!", max_size=10),
    paths=st.lists(st.text(alphabet="ab/.*?+[]\\!", max_size=10), max_size=10),
)
def test_every_path_a_pattern_matches_starts_with_its_prefix(pattern: str, paths: list[str]) -> None:
    """The prefix lets a big diff's paths be passed over without a regex: it must never drop one."""
    try:
        compiled = globs.compile_pattern(pattern)
    except globs.GlobError:
        return
    assert all(p.startswith(compiled.prefix) for p in paths if compiled.matches(p))
    listed = (globs.compile_pattern("b/**"), compiled)
    for path in paths:
        deciding = [q for q in listed if q.matches(path)]
        assert globs.Filter.of(listed).selects(path) is bool(deciding and not deciding[-1].exclude)


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [
        ("services/api/**", "services/api/"),
        ("Octoc?at", "Octo"),
        ("fo+", "f"),
        ("a\\*b*", "a*b"),
        ("**/x", ""),
    ],
)
def test_a_patterns_prefix_is_its_literal_start(pattern: str, prefix: str) -> None:
    assert globs.compile_pattern(pattern).prefix == prefix
