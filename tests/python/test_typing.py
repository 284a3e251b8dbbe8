"""The typing of the package: stubs next to the modules, py.typed, stubs in step with the
settings of the C++ library, docstrings on every public name."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import arrow_zerobus_sdk_wrapper as az
from arrow_zerobus_sdk_wrapper import WrapperConfiguration, emulator, errors

PACKAGE = Path(az.__file__).parent


def keyword_names(stub: str, cls: str) -> set[str]:
    tree = ast.parse((PACKAGE / stub).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    return {arg.arg for arg in item.args.args + item.args.kwonlyargs}
    raise AssertionError(f"{cls}.__init__ not in {stub}")


def test_stubs_and_marker_are_installed():
    for name in (
        "__init__",
        "_core",
        "_partition_writer",
        "config",
        "emulator",
        "errors",
        "ray",
        "result",
        "spark",
        "wrapper",
    ):
        assert (PACKAGE / f"{name}.pyi").is_file(), name
    assert (PACKAGE / "py.typed").is_file()


def test_stub_keywords_cover_every_setting():
    settings = set(WrapperConfiguration.setting_keys()) | {"endpoint"}
    assert settings <= keyword_names("config.pyi", "WrapperConfiguration")
    assert settings <= keyword_names("wrapper.pyi", "ZerobusWrapper")


def test_every_public_name_has_a_docstring():
    names = [getattr(az, name) for name in az.__all__ if name != "__version__"]
    names += [emulator.Emulator, errors.error_class]
    for obj in names:
        assert inspect.getdoc(obj), obj
        if inspect.isclass(obj):
            for member_name in vars(obj):
                if member_name.startswith("_"):
                    continue
                member = getattr(obj, member_name)
                if callable(member) or isinstance(vars(obj)[member_name], property):
                    assert inspect.getdoc(vars(obj)[member_name]) or inspect.getdoc(member), (
                        f"{obj.__name__}.{member_name}"
                    )


def test_generated_core_stub_declares_every_public_name_of_the_module():
    """_core.pyi is made from the built module by nanobind's stubgen, not kept by hand: every
    public function, constant, class and class member of _core is in it."""
    from arrow_zerobus_sdk_wrapper import _core

    tree = ast.parse((PACKAGE / "_core.pyi").read_text())
    top: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            top[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top[node.target.id] = node
    public = [name for name in dir(_core) if not name.startswith("_")]
    assert public, "the module has no public names"
    assert [name for name in public if name not in top] == []
    for name in public:
        obj = getattr(_core, name)
        if not inspect.isclass(obj):
            continue
        declared = {
            item.name if isinstance(item, ast.FunctionDef) else getattr(item.target, "id", "")
            for item in top[name].body
            if isinstance(item, ast.FunctionDef | ast.AnnAssign)
        }
        members = [member for member in vars(obj) if not member.startswith("_")]
        assert [member for member in members if member not in declared] == [], name


def test_the_spark_and_ray_modules_document_their_public_names():
    from arrow_zerobus_sdk_wrapper import ray, spark

    for module in (spark, ray):
        assert inspect.getdoc(module), module
        for name in module.__all__:
            obj = getattr(module, name)
            assert inspect.getdoc(obj), f"{module.__name__}.{name}"
            if inspect.isclass(obj):
                for member_name, member in vars(obj).items():
                    if not member_name.startswith("_") and (
                        callable(member) or isinstance(member, property)
                    ):
                        assert inspect.getdoc(member), f"{name}.{member_name}"


def test_pyspark_and_ray_are_optional():
    """The package imports neither; without them, their modules say what to install."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['pyspark'] = sys.modules['pyspark.sql'] = None\n"
        "sys.modules['ray'] = sys.modules['ray.data'] = None\n"
        "import arrow_zerobus_sdk_wrapper as az\n"
        "from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus\n"
        "try:\n"
        "    write_to_zerobus(None)\n"
        "except ImportError as error:\n"
        "    print('spark:', error)\n"
        "try:\n"
        "    import arrow_zerobus_sdk_wrapper.ray\n"
        "except ImportError as error:\n"
        "    print('ray:', error)\n"
        "print('loaded:', sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'ray')"
        " and sys.modules[m] is not None))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "spark: arrow_zerobus_sdk_wrapper.spark needs PySpark: pip install" in out, out
    assert "'arrow-zerobus-sdk-wrapper[spark]'" in out
    assert "ray: arrow_zerobus_sdk_wrapper.ray needs Ray Data: pip install" in out, out
    assert "'arrow-zerobus-sdk-wrapper[ray]'" in out
    assert "loaded: []" in out
