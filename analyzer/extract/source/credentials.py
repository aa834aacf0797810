"""Literal passwords in service code, in all five languages, from the parsed tree.

A credential is a plaintext string literal that reaches a place where a password goes:

* a named password slot: a keyword argument (``connect(password="...")``), an object or dict key
  (``new Pool({password: "..."})``, ``{'PASSWORD': '...'}``), a Go keyed element
  (``redis.Options{Password: "..."}``), a C# initializer or named argument
  (``new ConnectionFactory { Password = "..." }``), an assignment to a member
  (``ds.password = "..."``, ``builder.Password = "..."``);
* a setter or builder call: ``setPassword("...")``, ``SetPassword``, ``set_password``,
  ``.password("...")``, ``withPassword``;
* the password position of a known API: ``DriverManager.getConnection(url, user, "...")``,
  ``new NetworkCredential(user, "...")``, pika ``PlainCredentials``, ``UsernamePasswordCredentials``,
  ``new Sequelize(db, user, "...")``, ``req.SetBasicAuth(user, "...")``;
* a key/value call whose key names a password: ``os.getenv("DB_PASSWORD", "...")``,
  ``props.setProperty("spring.datasource.password", "...")``, ``viper.SetDefault("db.password", "...")``;
  and an environment read with a literal fallback (``process.env.DB_PASSWORD || "..."``,
  ``os.environ.get("DB_PASSWORD") or "..."``, ``GetEnvironmentVariable("DB_PASSWORD") ?? "..."``);
* the password of a connection string or URL written in one literal (``"postgres://u:secret@h/db"``,
  ``"Host=db;Password=secret"``, ``"u:secret@tcp(db:3306)/x"``, ``jdbc:...?password=...``), a
  Spring placeholder default (``"${DB_PASSWORD:secret}"``), and the literal argument a format call
  puts in a DSN's password slot (``fmt.Sprintf("postgres://%s:%s@h/db", "u", "secret")``,
  ``String.format``, ``string.Format("...Password={1}", ...)``, ``"...{}...".format(...)``).

A name bound once in the file to a literal (``const pw = "..."``, ``PASSWORD = "..."``, a field
initialiser) counts as that literal; the credential is then reported where the literal is written,
so several uses of one constant are one place. Not followed: values from other files, computed
strings, parameters. What a literal must be to count: :func:`analyzer.extract.secrets.is_plaintext_secret`,
and no whitespace (``label="Enter your password"`` is a label, not a password).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from tree_sitter import Node

from analyzer.extract.connstr import parse_connection_string
from analyzer.extract.facts import Credential
from analyzer.extract.secrets import is_plaintext_secret, names_password
from analyzer.extract.source.base import nodes_of, text_of
from analyzer.model import Evidence, Location, SourceKind


@dataclass(frozen=True, slots=True)
class _Syntax:
    grammar: str
    strings: frozenset[str]  # string literal node types (interpolated ones are not literals)
    calls: frozenset[str]  # call / constructor node types
    slots: frozenset[str]  # name → value nodes: keyword arguments, pairs, keyed elements
    assignments: frozenset[str]  # left = right
    bindings: frozenset[str]  # declarations binding a name to a value
    members: frozenset[str]  # member access node types (a.b)
    fallbacks: frozenset[str]  # binary / boolean operators (env read || "default")


_PY = _Syntax(
    "python",
    frozenset({"string"}), frozenset({"call"}), frozenset({"keyword_argument", "pair"}),
    frozenset({"assignment"}), frozenset({"assignment"}), frozenset({"attribute"}),
    frozenset({"boolean_operator"}),
)  # fmt: skip
_JS = _Syntax(
    "javascript",
    frozenset({"string", "template_string"}), frozenset({"call_expression", "new_expression"}),
    frozenset({"pair"}), frozenset({"assignment_expression"}), frozenset({"variable_declarator"}),
    frozenset({"member_expression"}), frozenset({"binary_expression"}),
)  # fmt: skip
_JAVA = _Syntax(
    "java",
    frozenset({"string_literal"}), frozenset({"method_invocation", "object_creation_expression"}),
    frozenset({"element_value_pair"}), frozenset({"assignment_expression"}),
    frozenset({"variable_declarator"}), frozenset({"field_access"}), frozenset({"binary_expression"}),
)  # fmt: skip
_GO = _Syntax(
    "go",
    frozenset({"interpreted_string_literal", "raw_string_literal"}), frozenset({"call_expression"}),
    frozenset({"keyed_element"}), frozenset({"assignment_statement"}),
    frozenset({"const_spec", "var_spec", "short_var_declaration"}), frozenset({"selector_expression"}),
    frozenset({"binary_expression"}),
)  # fmt: skip
_CS = _Syntax(
    "csharp",
    frozenset({"string_literal", "verbatim_string_literal", "raw_string_literal"}),
    frozenset({"invocation_expression", "object_creation_expression"}), frozenset({"argument"}),
    frozenset({"assignment_expression"}), frozenset({"variable_declarator"}),
    frozenset({"member_access_expression"}), frozenset({"binary_expression"}),
)  # fmt: skip

# Positional password argument of APIs whose signature says so (callee name, lower case → index).
_POSITIONAL = {
    "getconnection": 2, "networkcredential": 1, "plaincredentials": 1, "usernamepasswordcredentials": 1,
    "passwordauthenticator": 1, "setbasicauth": 1, "sequelize": 2, "passwordcredential": 1,
}  # fmt: skip
_SETTER = re.compile(r"^(set_?|with_?)?pass(word|wd)?$", re.IGNORECASE)
# A named password slot counts when its context is a datastore or broker client: a sibling key that
# only connection settings have, a client constructor or call, or a settings-like object. The same
# key in a user record (`{username, firstName, password}`), a login payload or a test fixture is an
# application user's password, not a datastore credential.
_CONNECTION_KEY = re.compile(
    r"^(host(name)?|server|port|database|db|db_?name|engine|dialect|driver|url|uri|addr|socket"
    r"|connection_?string|auth_?source|ssl(_?mode)?|replica_?set|v(irtual_?)?host|brokers"
    r"|bootstrap_?servers|data_?source|initial_?catalog)$",
    re.IGNORECASE,
)
_CLIENT_CALL = re.compile(
    r"pool|client|conn|sequelize|redis|mongo|knex|datasource|cluster|kafka|amqp|rabbit|mysql|postgres|^pg$"
    r"|sql|database|engine|credential|factory|builder|dsn|^db$|transport|smtp|ldap|elastic|cassandra"
    r"|neo4j|nats|broker|producer|consumer|store|cache",
    re.IGNORECASE,
)
_SETTINGS_OBJECT = re.compile(
    r"client|conn|source|builder|^ds$|factory|props|properties|options|opts|settings|config|cfg|params"
    r"|dsn|^db$|pool|credential|connection",
    re.IGNORECASE,
)
_FORMAT_CALLS = frozenset({"sprintf", "format", "formatted", "errorf"})
_ENV_READ = re.compile(r"process\.env|getenv|environ|GetEnvironmentVariable|LookupEnv", re.IGNORECASE)
_PLACEHOLDER_DEFAULT = re.compile(r"\$\{([^}:${]+):([^}${]*)\}")
_VERB = re.compile(r"%[-+# 0-9.*]*[svdqxX]|\{(\w*)(?::[^{}]*)?\}")
_USERINFO_SLOT = re.compile(r"://[^/@\s:]*:(?P<slot>%[-+# 0-9.*]*[svq]|\{\w*\})@")
_KEYWORD_SLOT = re.compile(r"(?i)\b(password|pwd|passwd)\s*=\s*(?P<slot>%[-+# 0-9.*]*[svq]|\{\w*\})")
_USERINFO = re.compile(r"://[^:/@\s]*:([^@\s/]*)@")
_KEYWORD_PASSWORD = re.compile(r"(?i)\b(?:password|pwd)\s*=\s*([^;\s]*)")
_QUERY_PASSWORD = re.compile(r"[?&;]password=([^&;]+)", re.IGNORECASE)
_GO_MYSQL_DSN = re.compile(r"^[^:@/\s]+:(?P<pw>[^@/\s]+)@(tcp|unix)\(")


def _literal(node: Node | None, syntax: _Syntax) -> str | None:
    """The text of a plain string literal node, ``None`` for anything else."""
    if node is None or node.type not in syntax.strings:
        return None
    if any(c.type in ("interpolation", "template_substitution") for c in node.children):
        return None
    text = text_of(node)
    text = re.sub(r"^[bBrRuU@]+(?=[\"'])", "", text)
    for quote in ('"""', "'''", '"', "'", "`"):
        if len(text) >= 2 * len(quote) and text.startswith(quote) and text.endswith(quote):
            return text[len(quote) : -len(quote)]
    return None


def _last_name(node: Node | None) -> str:
    names = re.findall(r"[A-Za-z_]\w*", re.sub(r"<[^<>]*>", "", text_of(node)))
    return names[-1] if names else ""


@dataclass(slots=True)
class _Scan:
    syntax: _Syntax
    path: str
    owner: str
    constants: dict[str, tuple[str, Node]]
    found: dict[tuple[int, str], Credential]

    def value(self, node: Node | None) -> tuple[str, Node] | None:
        """A literal, or a name bound once in the file to one: (text, where it is written)."""
        if node is None:
            return None
        if node.type in ("expression_list", "literal_element", "argument") and node.named_child_count == 1:
            return self.value(node.named_children[0])
        if node.type == "method_invocation" and _last_name(node.child_by_field_name("name")) == "toCharArray":
            return self.value(node.child_by_field_name("object"))  # "secret".toCharArray()
        text = _literal(node, self.syntax)
        if text is not None:
            return text, node
        if node.type in ("identifier", *self.syntax.members) and node.named_child_count <= 2:
            return self.constants.get(_last_name(node))
        return None

    def report(self, key: str, found: tuple[str, Node] | None, secret: str | None = None) -> None:
        if found is None:
            return
        text, where = found
        secret = text if secret is None else secret
        if not is_plaintext_secret(secret) or re.search(r"\s", secret):
            return
        row, column = where.start_point
        evidence = Evidence(SourceKind.CODE, Location(self.path, row + 1, column + 1), f"password {key}")
        self.found.setdefault((row, key), Credential(self.owner, key, evidence))


def _pairs(node: Node) -> tuple[Node | None, Node | None]:
    """(name, value) of a slot, assignment or binding node."""
    name = (
        node.child_by_field_name("name")
        or node.child_by_field_name("key")
        or node.child_by_field_name("left")
    )
    value = node.child_by_field_name("value") or node.child_by_field_name("right")
    if value is None and node.named_child_count >= 2:
        value = node.named_children[-1]
    return name, value


def _arguments(call: Node) -> tuple[list[Node], dict[str, Node]]:
    args = call.child_by_field_name("arguments")
    positional: list[Node] = []
    named: dict[str, Node] = {}
    for child in args.named_children if args is not None else ():
        if child.type in ("comment", "line_comment", "block_comment"):
            continue
        if child.type == "keyword_argument" or (
            child.type == "argument" and child.child_by_field_name("name")
        ):
            name, value = _pairs(child)
            if value is not None:
                named[text_of(name)] = value
            continue
        positional.append(child)
    return positional, named


def _callee(call: Node) -> Node | None:
    for field in ("function", "name", "constructor", "type"):
        found = call.child_by_field_name(field)
        if found is not None:
            return found
    return None


def _constants(root: Node, syntax: _Syntax) -> dict[str, tuple[str, Node]]:
    """Names bound exactly once in the file, to a plain string literal."""
    seen: dict[str, list[tuple[str, Node] | None]] = {}
    for node in nodes_of(syntax.grammar, root, tuple(sorted(syntax.bindings | syntax.assignments))):
        name, value = _pairs(node)
        if name is None or name.type not in ("identifier", *syntax.members):
            continue
        if value is not None and value.type == "expression_list" and value.named_child_count == 1:
            value = value.named_children[0]
        text = _literal(value, syntax)
        seen.setdefault(_last_name(name), []).append((text, value) if text is not None and value else None)
    return {k: v[0] for k, v in seen.items() if len(v) == 1 and v[0] is not None}


def _string_secrets(scan: _Scan, node: Node, text: str) -> None:
    """A connection string or URL with a literal password, or a ``${X_PASSWORD:default}``."""
    for match in _PLACEHOLDER_DEFAULT.finditer(text):
        if names_password(match.group(1)):
            scan.report(match.group(1), (text, node), match.group(2))
    if len(text) > 2000:
        return
    info = parse_connection_string(text)
    if info is not None and info.password == "literal":
        written = _USERINFO.search(text) or _KEYWORD_PASSWORD.search(text)
        if written and _VERB.fullmatch(written.group(1)):
            return  # a format template: its argument is checked with the format call
        scan.report("connection string password", (text, node), written.group(1) if written else None)
        return
    for pattern in (_QUERY_PASSWORD, _GO_MYSQL_DSN):
        found = pattern.search(text)
        if found:
            scan.report("connection string password", (text, node), found.group(1))


def _format_secret(scan: _Scan, template: str, args: list[Node], named: dict[str, Node]) -> None:
    """``fmt.Sprintf("postgres://%s:%s@h/db", user, "secret")``: the argument in the password slot."""
    for slot_pattern in (_USERINFO_SLOT, _KEYWORD_SLOT):
        slot = slot_pattern.search(template)
        if slot is None:
            continue
        verbs = list(_VERB.finditer(template))
        index = next((i for i, v in enumerate(verbs) if v.start() == slot.start("slot")), None)
        if index is None:
            continue
        label = verbs[index].group(1) if verbs[index].group(0).startswith("{") else None
        if label and not label.isdigit():
            target = named.get(label)
        else:
            position = int(label) if label else index
            target = args[position] if position < len(args) else None
        scan.report("connection string password", scan.value(target))


def _call(scan: _Scan, call: Node) -> None:
    callee = _callee(call)
    name = _last_name(callee)
    args, named = _arguments(call)
    client = bool(_CLIENT_CALL.search(name)) or any(_CONNECTION_KEY.match(k) for k in named)
    for key, value in named.items():
        if names_password(key) and client:
            scan.report(key, scan.value(value))
    lowered = name.lower()
    if _SETTER.match(name) and args:
        scan.report(name, scan.value(args[0]))
    elif lowered in _POSITIONAL and len(args) > _POSITIONAL[lowered]:
        scan.report(f"{name} password", scan.value(args[_POSITIONAL[lowered]]))
    if len(args) >= 2:
        first = scan.value(args[0])
        if first is not None and names_password(first[0]):
            scan.report(first[0], scan.value(args[1]))
    if lowered in _FORMAT_CALLS:
        obj = callee.child_by_field_name("object") if callee is not None else None
        receiver = scan.value(obj) if obj is not None else None
        if receiver is not None:  # Python "...{}...".format(a, b)
            _format_secret(scan, receiver[0], args, named)
        elif args:
            template = scan.value(args[0])
            if template is not None:
                _format_secret(scan, template[0], args[1:], named)


def _fallback(scan: _Scan, node: Node) -> None:
    operator = node.child_by_field_name("operator")
    if text_of(operator) not in ("||", "??", "or"):
        return
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    read = text_of(left)
    if not _ENV_READ.search(read):
        return
    variable = re.findall(r"[A-Za-z_][\w.]*", re.sub(r"[\"'`]", " ", read))
    if variable and names_password(variable[-1]):
        scan.report(variable[-1].rpartition(".")[2], scan.value(right))


def _credentials(grammar: _Syntax, owner: str, path: str, root: Node) -> list[Credential]:
    scan = _Scan(grammar, path, owner, _constants(root, grammar), {})
    for node in _nodes(root, grammar):
        if node.type in grammar.strings:
            text = _literal(node, grammar)
            if text is not None and ("@" in text or "=" in text or "${" in text):
                _string_secrets(scan, node, text)
        if node.type in grammar.calls:
            _call(scan, node)
        if node.type in grammar.fallbacks:
            _fallback(scan, node)
        if node.type in grammar.slots or node.type in grammar.assignments:
            if node.type == "argument" or node.type == "keyword_argument":
                continue  # read with their call
            name, value = _pairs(node)
            if name is None:
                continue
            key = _literal(name, grammar) if name.type in grammar.strings else _last_name(name)
            bare = name.type == "identifier" and node.type in grammar.assignments
            # `password = "x"` binds a name (reported where it is used); `ds.password = "x"`, a
            # C# initializer `Password = "x"` and a key `password: "x"` are the slot itself.
            in_initializer = node.parent is not None and node.parent.type == "initializer_expression"
            if key and names_password(key) and (not bare or in_initializer) and _client_context(node, name):
                scan.report(key, scan.value(value))
    return sorted(scan.found.values(), key=lambda c: (c.evidence.location, c.key))


def _keys(container: Node | None) -> list[str]:
    """The keys written in an object, dict, Go literal or C# initializer."""
    out = []
    for child in container.named_children if container is not None else ():
        name, _ = _pairs(child) if child.named_child_count >= 2 else (None, None)
        if name is not None:
            out.append(_last_name(name) or text_of(name).strip("\"'`"))
    return out


_ARGUMENT_WRAPPERS = (
    "arguments",
    "argument_list",
    "argument",
    "annotation_argument_list",
    "unary_expression",
)


def _client_context(node: Node, name: Node) -> bool:
    """Whether a named password slot belongs to a datastore or broker client's settings."""
    if name.type in ("attribute", "member_expression", "field_access", "selector_expression",
                     "member_access_expression"):  # fmt: skip
        owner = name.child_by_field_name("object") or name.child_by_field_name("operand")
        owner = owner or name.child_by_field_name("expression")
        return bool(_SETTINGS_OBJECT.search(_last_name(owner)))
    container = node.parent
    for _ in range(2):  # the object itself, then the object it is nested in (`auth: {user, password}`)
        if container is None:
            return False
        if any(_CONNECTION_KEY.match(k) for k in _keys(container)):
            return True
        holder = container.parent
        while holder is not None and holder.type in _ARGUMENT_WRAPPERS:
            holder = holder.parent
        if holder is not None:
            typed = holder.child_by_field_name("type") or _callee(holder)
            if holder.type in ("composite_literal", "object_creation_expression", "annotation",
                               "new_expression", "call", "call_expression", "invocation_expression",
                               "method_invocation"):  # fmt: skip
                # `redis.Options{...}` names its package; `self.client.post(...)` is a post, not a client
                named = text_of(typed)[:80] if holder.type == "composite_literal" else _last_name(typed)
                return bool(_CLIENT_CALL.search(named))
        container = holder.parent if holder is not None and holder.type == "pair" else None
    return False


def _nodes(root: Node, grammar: _Syntax) -> list[Node]:
    wanted = grammar.strings | grammar.calls | grammar.slots | grammar.assignments | grammar.fallbacks
    return nodes_of(grammar.grammar, root, tuple(sorted(wanted)))


def python_credentials(owner: str, path: str, root: Node) -> list[Credential]:
    """Literal passwords in a parsed Python file (see the module docstring)."""
    return _credentials(_PY, owner, path, root)


def javascript_credentials(owner: str, path: str, root: Node) -> list[Credential]:
    """Literal passwords in a parsed JavaScript / TypeScript file (the grammar follows the path)."""
    grammar = "tsx" if path.endswith(".tsx") else "typescript" if path.endswith(".ts") else "javascript"
    return _credentials(dataclasses.replace(_JS, grammar=grammar), owner, path, root)


def java_credentials(owner: str, path: str, root: Node) -> list[Credential]:
    """Literal passwords in a parsed Java file."""
    return _credentials(_JAVA, owner, path, root)


def go_credentials(owner: str, path: str, root: Node) -> list[Credential]:
    """Literal passwords in a parsed Go file."""
    return _credentials(_GO, owner, path, root)


def csharp_credentials(owner: str, path: str, root: Node) -> list[Credential]:
    """Literal passwords in a parsed C# file."""
    return _credentials(_CS, owner, path, root)
