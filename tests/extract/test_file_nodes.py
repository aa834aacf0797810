"""nodes_of answers questions about part of a file from the file's one query: the same nodes, in
the same order, as a query of that part (issue 14: one query per file, not one per function)."""

from __future__ import annotations

import itertools

import pytest
from tree_sitter import Node, QueryCursor

from analyzer.extract.source import base

SOURCES = {
    "python": (
        "import os\n\n@app.get('/x')\ndef handler(a, b=1):\n    x = f(g(a))(b)\n"
        "    y = 'a' 'b'\n    return requests.get(os.environ.get('URL', 'http://h') + '/p')\n\n"
        "class C:\n    def m(self):\n        self.v = call(k=v, **kw)\n        return [h(i) for i in x]\n"
    ),
    "csharp": (
        'using System;\nclass C {\n  string F = "x";\n  void M(int a) {\n'
        '    var s = Call("lit", a, Other("y"));\n    s = Invoke("z");\n  }\n}\n'
    ),
    "go": (
        'package main\n\nimport (\n\t"fmt"\n\tnet "net/http"\n)\n\nfunc main() {\n'
        '\tx := fmt.Sprintf("%s", "a")\n\thttp.Get(x + "/y")\n\tvar c = C{A: "b"}\n}\n'
    ),
    "javascript": (
        "const a = require('x');\nfunction f() { return fetch(`http://h/${a}`).then(r => g(r)); }\n"
        "export const b = f(f(1));\nclass K { m() { this.x = new Y('z'); } }\n"
    ),
    "java": (
        'import a.B;\nclass C implements D, E<F> {\n  static final String U = "http://x";\n'
        '  void m() { client.get(U + "/y").send(other(1)); int z = 1; z = 2; }\n}\n'
    ),
}
TYPES = {
    "python": ("call", "string", "assignment", "function_definition", "decorated_definition", "keyword_argument"),
    "csharp": ("argument", "string_literal", "invocation_expression", "variable_declarator", "assignment_expression"),
    "go": ("call_expression", "interpreted_string_literal", "import_spec", "short_var_declaration", "keyed_element"),
    "javascript": ("call_expression", "string", "template_string", "variable_declarator", "new_expression"),
    "java": ("method_invocation", "string_literal", "type_identifier", "assignment_expression", "local_variable_declaration"),
}  # fmt: skip


def _direct(grammar: str, root: Node, types: tuple[str, ...]) -> list[tuple[int, str]]:
    captures = QueryCursor(base._query(grammar, types)).captures(root)
    found = sorted(
        (n for nodes in captures.values() for n in nodes), key=lambda n: (n.start_byte, -n.end_byte)
    )
    return [(n.id, n.type) for n in found]


def _subtrees(root: Node) -> list[Node]:
    return [n for n in base.walk(root)][:60]


@pytest.mark.parametrize("grammar", sorted(SOURCES))
def test_parts_are_answered_as_a_query_of_the_part_would(grammar: str) -> None:
    tree, _ = base.parse(grammar, SOURCES[grammar])
    root = tree.root_node
    for size in (1, 2, 3):
        for types in itertools.combinations(TYPES[grammar], size):
            assert [(n.id, n.type) for n in base.nodes_of(grammar, root, types)] == _direct(
                grammar, root, types
            )
            for part in _subtrees(root):
                got = [(n.id, n.type) for n in base.nodes_of(grammar, part, types)]
                assert got == _direct(grammar, part, types), (types, part.type, part.start_point)


def test_a_new_file_is_not_answered_from_the_last_one() -> None:
    first, _ = base.parse("python", "f(1)\n")
    assert len(base.nodes_of("python", first.root_node, ("call",))) == 1
    second, _ = base.parse("python", "g(1)\nh(2)\n")
    found = base.nodes_of("python", second.root_node.children[1], ("call",))
    assert [base.text_of(n) for n in found] == ["h(2)"]
