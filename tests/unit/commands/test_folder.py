"""Reading a folder of flows and namespace files, and planning its sync to a server."""

from __future__ import annotations

from pathlib import Path

from flowmesh.commands._folder import Action, plan_sync, read_folder


def flow(namespace: str, flow_id: str, message: str = "hi") -> str:
    return f"""\
id: {flow_id}
namespace: {namespace}
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: {message}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_flows_are_read_at_any_depth_and_namespace_files_from_files_namespace(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "a.yml": flow("team", "a"),
            "deep/er/b.yaml": flow("team.sub", "b"),
            "notes.txt": "not a flow",
            "files/team/scripts/run.py": "print(1)",
            "files/team/top.yml": "a namespace file, not a flow",
        },
    )

    folder = read_folder(root)

    assert folder.problems == []
    assert [(f.namespace, f.id, f.path.name) for f in folder.flows] == [
        ("team", "a", "a.yml"),
        ("team.sub", "b", "b.yaml"),
    ]
    assert sorted((f.namespace, f.target) for f in folder.files) == [
        ("team", "/scripts/run.py"),
        ("team", "/top.yml"),
    ]


def test_what_cannot_be_deployed_is_named_with_its_file(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "one.yml": flow("team", "same"),
            "two.yml": flow("team", "same"),
            "noid.yml": "namespace: team\ntasks: []\n",
            "two-docs.yml": flow("team", "x") + "---\n" + flow("team", "y"),
            "list.yml": "- a\n- b\n",
            "broken.yml": "id: [unclosed\n",
            "files/loose.txt": "which namespace?",
        },
    )

    problems = read_folder(root).problems

    assert len(problems) == 6, problems
    assert any(
        p.startswith(f"{root / 'two.yml'}: flow team.same is also in {root / 'one.yml'}") for p in problems
    )
    assert f"{root / 'noid.yml'}: id missing" in problems
    assert f"{root / 'two-docs.yml'}: holds 2 YAML documents; a flow file holds one flow" in problems
    assert any(p.startswith(f"{root / 'list.yml'}: a flow is a YAML map") for p in problems)
    assert any(p.startswith(f"{root / 'broken.yml'}: not YAML") for p in problems)
    assert any(
        p.startswith(f"{root / 'files/loose.txt'}: a namespace file goes under files/<namespace>/")
        for p in problems
    )


def test_the_plan_creates_updates_and_leaves_unchanged_by_source(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "new.yml": flow("team", "new"),
            "changed.yml": flow("team", "changed", "new text"),
            "same.yml": flow("team", "same"),
            "files/team/same.txt": "same",
            "files/team/changed.txt": "new",
            "files/team/new.txt": "new",
        },
    )
    remote_flows = {
        ("team", "changed"): flow("team", "changed", "old text"),
        ("team", "same"): flow("team", "same"),
        ("team", "gone"): flow("team", "gone"),
    }
    remote_files = {
        ("team", "/same.txt"): b"same",
        ("team", "/changed.txt"): b"old",
        ("team", "/gone.txt"): b"x",
    }

    plan = plan_sync(read_folder(root), remote_flows, remote_files, delete=False)

    assert {(c.name, c.action) for c in plan.flows} == {
        ("new", Action.CREATE),
        ("changed", Action.UPDATE),
        ("same", Action.UNCHANGED),
    }
    assert {(c.name, c.action) for c in plan.files} == {
        ("/new.txt", Action.CREATE),
        ("/changed.txt", Action.UPDATE),
        ("/same.txt", Action.UNCHANGED),
    }
    assert plan.count(plan.flows) == {"created": 1, "updated": 1, "unchanged": 1, "deleted": 0}
    new = next(c for c in plan.flows if c.name == "new")
    assert new.source == flow("team", "new")


def test_delete_removes_only_what_the_folders_namespaces_hold_and_it_lacks(tmp_path: Path) -> None:
    root = write(tmp_path, {"a.yml": flow("team", "a"), "files/scripts/x.py": "x"})
    remote_flows = {
        ("team", "a"): flow("team", "a"),
        ("team", "old"): flow("team", "old"),
        ("team.sub", "child"): flow("team.sub", "child"),
        ("other", "b"): flow("other", "b"),
    }
    remote_files = {
        ("scripts", "/x.py"): b"x",
        ("scripts", "/stale.py"): b"",
        ("team", "/kept.txt"): b"",
    }

    kept = plan_sync(read_folder(root), remote_flows, remote_files, delete=False)
    pruned = plan_sync(read_folder(root), remote_flows, remote_files, delete=True)

    assert [c.action for c in kept.flows] == [Action.UNCHANGED]
    assert [(c.namespace, c.name) for c in pruned.flows if c.action == Action.DELETE] == [("team", "old")]
    # Files go only in a namespace the folder has files of (team has flows but no files/team).
    assert [(c.namespace, c.name) for c in pruned.files if c.action == Action.DELETE] == [
        ("scripts", "/stale.py")
    ]
