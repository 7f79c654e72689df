"""Excel import: a declarative spec, a downloadable template, and an all-or-nothing run.

    spec = ImportSpec(
        title="企业信息",
        model=Organisation,
        defaults={"kind": "enterprise"},
        key="uscc",                                  # matched rows may be updated ("update mode")
        columns=[
            ImportColumn("机构名称", "name", required=True),
            ImportColumn("统一社会信用代码", "uscc", "uscc", required=True, unique=True),
            ImportColumn("所属区划代码", "region", "fk", required=True, fk_model=Region, fk_field="code",
                         fk_queryset=lambda user: restrict_regions(Region.objects.all(), user)),
            ImportColumn("所属行业", "industry", "dict", required=True, dict_type="industry"),
        ],
    )
    template_response(spec, user)                    # the .xlsx template (headers, rules, dropdowns)
    result = run_import(spec, uploaded_file, user)   # ImportResult: ok, created, updated, errors

run_import reads the first sheet with openpyxl in read-only mode (formulas as their cached values),
checks the header row against the spec, validates EVERY row (types, dictionaries, foreign keys by
natural key inside the user's jurisdiction, uniqueness in the file and in the database, the model's
own validation and the spec's row hook) and collects every error as (Excel row number, column
header, Chinese message). Only when there is none does it save all rows in one transaction, each
through the model's save() (so change rows are written) or the spec's save_row service, and then
checks that every saved row is visible to the user; any failure rolls the whole file back.
An operation row ("import") is logged for success and refusal alike.
"""
from __future__ import annotations

import datetime
import decimal
import re
import zipfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import quote

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kernel.audit.services import log_operation
from kernel.core import context
from kernel.dicts import services as dicts
from kernel.org.validators import validate_id_number, validate_uscc

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted .xlsx
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_UNCOMPRESSED = 400 * 1024 * 1024  # refuse zip bombs before openpyxl inflates them
MAX_ERRORS = 10_000  # errors kept for display and the report (all are counted)
CHUNK = 1000
PHONE_RE = re.compile(r"(1[3-9]\d{9})|(0\d{2,3}-?\d{7,8})")
TYPES = ("text", "int", "decimal", "date", "bool", "choice", "dict", "uscc", "id_number", "phone", "fk")
TEXT_LIKE = ("text", "uscc", "id_number", "phone", "fk")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "无"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
LIST_SHEET = "_lists"
ROW_WIDE = "整行"


# -- declarations ------------------------------------------------------------------

@dataclass
class ImportColumn:
    """One column of the template: its header, the value it fills and the rules it checks.

    type: text | int | decimal | date | bool | choice | dict | uscc | id_number | phone | fk
    fk: a foreign key given by a natural key (fk_field on fk_model, e.g. a region code); fk_queryset(user)
        gives the targets the user may choose (their jurisdiction); others are refused.
    unique: no two rows of the file, and no existing record (the row's own record in update mode
        aside), may share the value.
    """

    header: str
    field: str
    type: str = "text"
    required: bool = False
    max_length: int | None = None
    dict_type: str | None = None
    choices: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]] | None = None
    unique: bool = False
    fk_model: type | None = None
    fk_field: str = "pk"
    fk_queryset: Callable | None = None
    reference: Callable | None = None  # reference(user) -> [(code, name)] listed in the instructions
    min_value: decimal.Decimal | int | None = None
    max_value: decimal.Decimal | int | None = None
    decimal_places: int | None = None
    help: str = ""
    example: str = ""
    width: int = 18

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"unknown import column type {self.type!r}")
        if self.type == "dict" and not self.dict_type:
            raise ValueError(f"column {self.header}: a dict column needs dict_type")
        if self.type == "choice" and self.choices is None:
            raise ValueError(f"column {self.header}: a choice column needs choices")
        if self.type == "fk" and self.fk_model is None:
            raise ValueError(f"column {self.header}: an fk column needs fk_model")

    def choice_list(self) -> list[tuple[str, str]]:
        if self.type == "dict":
            return dicts.choices(self.dict_type)
        if self.type == "choice":
            return list(self.choices() if callable(self.choices) else self.choices)
        if self.type == "bool":
            return [("是", "是"), ("否", "否")]
        return []

    def rules(self, max_length=None) -> str:
        """The column's rules in Chinese, for the instructions sheet and the header comment."""
        parts = {
            "text": "文本",
            "int": "整数",
            "decimal": "数字" + (f"，最多{self.decimal_places}位小数" if self.decimal_places is not None else ""),
            "date": "日期，格式如 2024-01-31",
            "bool": "填写“是”或“否”",
            "choice": "从下拉列表中选择（可填名称或代码）",
            "dict": "从下拉列表中选择（可填名称或代码）",
            "uscc": "18位统一社会信用代码，系统校验校验位",
            "id_number": "18位居民身份证号码，系统校验出生日期和校验位",
            "phone": "手机号（11位）或座机号（如 0771-5881234）",
            "fk": "填写代码",
        }
        text = [parts[self.type]]
        max_length = max_length or self.max_length
        if max_length:
            text.append(f"不超过{max_length}个字符")
        if self.min_value is not None:
            text.append(f"不小于{self.min_value}")
        if self.max_value is not None:
            text.append(f"不大于{self.max_value}")
        if self.unique:
            text.append("文件内及系统中不得重复")
        if self.help:
            text.append(self.help)
        return "，".join(text)


@dataclass
class ImportSpec:
    """What a file imports and how.

    model: the model rows become (validated with full_clean, saved with save() so that audit rows
        are written); save_row(values, instance, user) -> obj: a service that saves one row instead
        (instance is the prepared model instance, or None when the spec has no model).
    defaults: field values of new records (or a callable(user) returning them).
    key: the field of the column that identifies an existing record in update mode;
        updatable(user) gives the records the user may update (default: model.objects.visible_to(user)).
    validate_row(values, instance, user): a hook that raises ValidationError (a dict keyed by field,
        or a message for the whole row).
    """

    title: str
    columns: list[ImportColumn]
    model: type | None = None
    save_row: Callable | None = None
    defaults: dict | Callable = field(default_factory=dict)
    key: str | None = None
    updatable: Callable | None = None
    validate_row: Callable | None = None
    notes: Sequence[str] = ()
    max_rows: int = MAX_ROWS
    max_bytes: int = MAX_BYTES
    max_errors: int = MAX_ERRORS
    check_scope: bool = True

    def __post_init__(self):
        if self.model is None and self.save_row is None:
            raise ValueError("an ImportSpec needs a model or a save_row service")
        fields = [c.field for c in self.columns]
        if len(set(fields)) != len(fields) or len({c.header for c in self.columns}) != len(self.columns):
            raise ValueError("import columns must have distinct fields and headers")
        if self.key is not None:
            if self.model is None:
                raise ValueError("update mode (key) needs a model")
            key_col = self.column(self.key)
            if key_col is None or not key_col.required or not key_col.unique:
                raise ValueError("the key must be a required, unique column")

    def column(self, field_name) -> ImportColumn | None:
        return next((c for c in self.columns if c.field == field_name), None)

    def header_of(self, field_name) -> str:
        col = self.column(field_name)
        if col is not None:
            return col.header
        if field_name in (None, NON_FIELD_ERRORS):
            return ROW_WIDE
        if self.model is not None:
            try:
                return str(self.model._meta.get_field(field_name).verbose_name)
            except Exception:  # noqa: BLE001 - a name the model does not know
                pass
        return field_name

    def default_values(self, user) -> dict:
        return dict(self.defaults(user) if callable(self.defaults) else self.defaults)

    def updatable_queryset(self, user):
        if self.updatable is not None:
            return self.updatable(user)
        return self.model.objects.visible_to(user)

    def max_length_of(self, col: ImportColumn) -> int | None:
        if col.max_length or self.model is None or col.type != "text":
            return col.max_length
        try:
            return getattr(self.model._meta.get_field(col.field), "max_length", None)
        except Exception:  # noqa: BLE001
            return None


# -- results -------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    row: int | None  # the row number Excel shows (1 is the header); None for the whole file
    column: str
    message: str

    @property
    def row_label(self):
        return "—" if self.row is None else str(self.row)


@dataclass
class ImportResult:
    title: str
    update: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    max_errors: int = MAX_ERRORS
    filename: str = ""

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def add(self, row, column, message):
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(RowError(row, column, str(message)))

    def summary(self) -> str:
        if self.ok:
            return f"导入成功：共{self.rows}行，新增{self.created}条，更新{self.updated}条"
        return f"导入未执行：发现{self.error_count}处错误，文件中的数据均未导入，请修改后重新上传"


class Refused(Exception):
    """The file as a whole cannot be read (size, format, header, row count)."""

    def __init__(self, *errors):
        super().__init__(errors[0][2] if errors else "")
        self.errors = errors  # (row, column, message)


class _Rollback(Exception):
    pass


class _Row:
    __slots__ = ("number", "values", "text", "bad", "existing_pk")

    def __init__(self, number):
        self.number = number
        self.values = {}
        self.text = {}
        self.bad = set()
        self.existing_pk = None


class CellError(Exception):
    pass


# -- reading and converting cells --------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)


def cell_text(value) -> str:
    """A cell as the text a person typed: integral floats without '.0', dates as ISO, trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.time() else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).translate(_INVISIBLE).strip()


def _parse_int(col, raw, text):
    if isinstance(raw, bool):
        raise CellError("请填写整数")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        try:
            value = int(text.replace(",", ""))
        except ValueError:
            raise CellError(f"“{text}”不是整数") from None
    _check_range(col, value)
    return value


def _parse_decimal(col, raw, text):
    try:
        value = decimal.Decimal(repr(raw) if isinstance(raw, float) else text.replace(",", ""))
    except decimal.InvalidOperation:
        raise CellError(f"“{text}”不是有效的数字") from None
    if not value.is_finite():
        raise CellError(f"“{text}”不是有效的数字")
    if col.decimal_places is not None:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > col.decimal_places:
            raise CellError(f"最多保留{col.decimal_places}位小数")
    _check_range(col, value)
    return value


def _check_range(col, value):
    if col.min_value is not None and value < col.min_value:
        raise CellError(f"不能小于{col.min_value}")
    if col.max_value is not None and value > col.max_value:
        raise CellError(f"不能大于{col.max_value}")


def _parse_date(col, raw, text):
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(f"“{text}”不是有效的日期，格式应如 2024-01-31")


def _parse_bool(col, raw, text):
    if isinstance(raw, bool):
        return raw
    low = text.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    raise CellError(f"“{text}”无效，请填写“是”或“否”")


def _validator_message(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _parse_uscc(col, raw, text):
    code = text.upper()
    try:
        validate_uscc(code)
    except ValidationError as exc:
        raise CellError(_validator_message(exc)) from None
    return code


def _parse_id_number(col, raw, text):
    number = text.upper()
    try:
        validate_id_number(number)
    except ValidationError as exc:
        raise CellError(_validator_message(exc)) from None
    return number


def _parse_phone(col, raw, text):
    if not PHONE_RE.fullmatch(text):
        raise CellError(f"“{text}”不是有效的手机号或座机号（如 13800138000 或 0771-5881234）")
    return text


class _Converter:
    """Converts the cells of one import; dictionary and choice look-ups are done once per distinct text."""

    def __init__(self, spec):
        self.spec = spec
        self.memo = {}
        self.max_lengths = {c.field: spec.max_length_of(c) for c in spec.columns}

    def __call__(self, col, raw):
        text = cell_text(raw)
        if text == "":
            return None, text
        if col.type in TEXT_LIKE:
            limit = self.max_lengths[col.field]
            if limit and len(text) > limit:
                raise CellError(f"长度不能超过{limit}个字符（当前{len(text)}个）")
        parser = getattr(self, f"_{col.type}", None)
        if parser is not None:
            return parser(col, raw, text), text
        return PARSERS[col.type](col, raw, text), text

    def _text(self, col, raw, text):
        return text

    def _fk(self, col, raw, text):
        return text  # resolved in one query per chunk of distinct keys

    def _dict(self, col, raw, text):
        key = ("dict", col.dict_type, text)
        if key not in self.memo:
            self.memo[key] = dicts.value_for_label(col.dict_type, text)
        value = self.memo[key]
        if value is None:
            raise CellError(f"“{text}”不是有效的{col.header}，请从下拉列表中选择")
        return value

    def _choice(self, col, raw, text):
        key = ("choice", col.field)
        if key not in self.memo:
            table = {}
            for value, label in col.choice_list():
                table.setdefault(str(label), value)
                table.setdefault(str(value), value)
            self.memo[key] = table
        try:
            return self.memo[key][text]
        except KeyError:
            allowed = "、".join(str(label) for _, label in col.choice_list()[:10])
            raise CellError(f"“{text}”不是有效的选项，可选：{allowed}") from None


PARSERS = {
    "int": _parse_int, "decimal": _parse_decimal, "date": _parse_date, "bool": _parse_bool,
    "uscc": _parse_uscc, "id_number": _parse_id_number, "phone": _parse_phone,
}


# -- opening the file -------------------------------------------------------------------------

def _size_of(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if size is None:
        pos = fileobj.tell()
        fileobj.seek(0, 2)
        size = fileobj.tell()
        fileobj.seek(pos)
    return size


def open_workbook(fileobj, max_bytes=MAX_BYTES):
    """A read-only workbook of a real .xlsx upload, or Refused with a Chinese message."""
    size = _size_of(fileobj)
    if size == 0:
        raise Refused((None, "", "上传的文件是空的"))
    if size > max_bytes:
        raise Refused((None, "", f"文件大小超过上限（{size / 1024 / 1024:.1f}MB，最大{max_bytes // 1024 // 1024}MB）"))
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(OLE_SIGNATURE):
        raise Refused((None, "", "不支持旧版 .xls 格式或加密的文件，请在 Excel 中另存为 .xlsx 格式（不设密码）后再导入"))
    if not head.startswith(ZIP_SIGNATURE):
        raise Refused((None, "", "文件内容不是 Excel（.xlsx）格式，请使用下载的导入模板填写后上传"))
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
        if "xl/workbook.xml" not in names:
            raise Refused((None, "", "文件不是有效的 Excel（.xlsx）工作簿，请使用下载的导入模板填写后上传"))
        if inflated > MAX_UNCOMPRESSED:
            raise Refused((None, "", "文件解压后的内容过大，请分批导入"))
        fileobj.seek(0)
        return load_workbook(fileobj, read_only=True, data_only=True)
    except Refused:
        raise
    except Exception:  # noqa: BLE001 - any parse failure of the upload is the user's file, not a bug
        raise Refused((None, "", "文件已损坏或不是有效的 Excel（.xlsx）文件，无法读取")) from None


def _normalise_header(value) -> str:
    return cell_text(value).lstrip("*＊").strip()


def _header_map(spec, header_row) -> dict[str, int]:
    """{field: column index} from the first row, or Refused naming every missing or unknown column."""
    found, errors = {}, []
    by_header = {c.header: c for c in spec.columns}
    for idx, value in enumerate(header_row):
        text = _normalise_header(value)
        if not text:
            continue
        col = by_header.get(text)
        if col is None:
            errors.append((1, text, f"第{get_column_letter(idx + 1)}列的表头“{text}”不是模板中的列，请勿修改表头"))
        elif col.field in found:
            errors.append((1, text, f"表头“{text}”出现了不止一次"))
        else:
            found[col.field] = idx
    for col in spec.columns:
        if col.field not in found:
            errors.append((1, col.header, f"缺少“{col.header}”列，表头须与导入模板一致，请下载最新模板"))
    if errors:
        raise Refused(*errors)
    return found


def _read_rows(spec, workbook, result, convert) -> list[_Row]:
    ws = workbook.worksheets[0]
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # a wrong <dimension> tag must not hide rows
    rows_iter = ws.iter_rows(values_only=True)
    header = next(rows_iter, None)
    if header is None or not any(cell_text(v) for v in header):
        raise Refused((1, "", "文件中没有表头，请使用下载的导入模板填写"))
    positions = _header_map(spec, header)
    rows = []
    for number, cells in enumerate(rows_iter, start=2):
        if not cells or all(cell_text(v) == "" for v in cells):
            continue
        if len(rows) >= spec.max_rows:
            raise Refused((number, "", f"数据行数超过上限（最多{spec.max_rows}行），请分批导入"))
        row = _Row(number)
        for col in spec.columns:
            idx = positions[col.field]
            raw = cells[idx] if idx < len(cells) else None
            try:
                value, text = convert(col, raw)
            except CellError as exc:
                row.bad.add(col.field)
                row.text[col.field] = cell_text(raw)
                result.add(number, col.header, exc)
                continue
            row.text[col.field] = text
            if value is None and col.required:
                row.bad.add(col.field)
                result.add(number, col.header, "必填项不能为空")
            row.values[col.field] = value
        rows.append(row)
    if not rows:
        raise Refused((None, "", "文件中没有数据行，请从第2行起填写"))
    result.rows = len(rows)
    return rows


# -- checks that need the database ------------------------------------------------------------

def _chunks(seq, size=CHUNK):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _resolve_foreign_keys(spec, rows, user, result):
    for col in (c for c in spec.columns if c.type == "fk"):
        keys = {r.values[col.field] for r in rows if col.field not in r.bad and r.values.get(col.field) is not None}
        allowed_qs = col.fk_queryset(user) if col.fk_queryset else col.fk_model._default_manager.all()
        found = {}
        for chunk in _chunks(keys):
            for obj in allowed_qs.filter(**{f"{col.fk_field}__in": chunk}):
                found[str(getattr(obj, col.fk_field))] = obj
        missing = keys - set(found)
        exists = set()
        for chunk in _chunks(missing):
            exists.update(str(v) for v in col.fk_model._default_manager.filter(
                **{f"{col.fk_field}__in": chunk}).values_list(col.fk_field, flat=True))
        for row in rows:
            key = row.values.get(col.field)
            if col.field in row.bad or key is None:
                continue
            if key in found:
                row.values[col.field] = found[key]
            else:
                row.bad.add(col.field)
                message = (f"“{key}”不在您的管辖范围内" if key in exists else f"“{key}”不存在，请填写正确的{col.header}")
                result.add(row.number, col.header, message)


def _check_unique_in_file(spec, rows, result):
    for col in (c for c in spec.columns if c.unique):
        first = {}
        for row in rows:
            value = row.values.get(col.field)
            if value is None or col.field in row.bad:
                continue
            key = value.pk if hasattr(value, "pk") else value
            if key in first:
                row.bad.add(col.field)
                result.add(row.number, col.header, f"“{row.text[col.field]}”与第{first[key]}行重复")
            else:
                first[key] = row.number


def _match_existing(spec, rows, user):
    """Update mode: rows whose key matches a record the user may update get that record's pk."""
    col = spec.column(spec.key)
    keys = {r.values[col.field] for r in rows if col.field not in r.bad and r.values.get(col.field) is not None}
    updatable = spec.updatable_queryset(user)
    matched = {}
    for chunk in _chunks(keys):
        matched.update(updatable.filter(**{f"{col.field}__in": chunk}).values_list(col.field, "pk"))
    for row in rows:
        value = row.values.get(col.field)
        if value is not None and col.field not in row.bad and value in matched:
            row.existing_pk = matched[value]


def _check_unique_in_db(spec, rows, update, result):
    manager = spec.model._base_manager  # soft-deleted rows still hold their unique values
    for col in (c for c in spec.columns if c.unique):
        values = {r.values[col.field] for r in rows if col.field not in r.bad and r.values.get(col.field) is not None}
        taken = {}
        for chunk in _chunks(values):
            for value, pk in manager.filter(**{f"{col.field}__in": chunk}).values_list(col.field, "pk"):
                taken.setdefault(value, set()).add(pk)
        for row in rows:
            value = row.values.get(col.field)
            if col.field in row.bad or value not in taken:
                continue
            if taken[value] - {row.existing_pk}:
                row.bad.add(col.field)
                if update and col.field == spec.key:
                    message = f"“{value}”对应的记录已存在，但不在您可以更新的范围内（不在管辖范围内或已删除）"
                elif col.field == spec.key:
                    message = f"“{value}”已存在；如需更新已有记录，请勾选“更新已存在的记录”后导入"
                else:
                    message = f"“{value}”已存在，不能重复导入"
                result.add(row.number, col.header, message)


def _report(spec, row, exc: ValidationError, result):
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            if name in row.bad:
                continue
            for message in messages:
                result.add(row.number, spec.header_of(name), message)
            if name != NON_FIELD_ERRORS:
                row.bad.add(name)
    else:
        for message in exc.messages:
            result.add(row.number, ROW_WIDE, message)


def _prepare(spec, row, existing, defaults):
    """The model instance a row becomes: the matched record with the row applied, or a new one.

    Empty cells are not assigned: a new record keeps the field's default, an updated record keeps
    its value (the instructions sheet says so)."""
    instance = existing[row.existing_pk] if row.existing_pk is not None else spec.model(**defaults)
    for name, value in row.values.items():
        if value is not None and name not in row.bad:
            setattr(instance, name, value)
    return instance


def _validate_rows(spec, rows, user, result):
    defaults = spec.default_values(user)
    # Columns already checked here (foreign keys resolved in scope, dictionaries) are not re-validated
    # by the model, which would cost one query or cache read per row.
    pre_checked = {c.field for c in spec.columns if c.type in ("fk", "dict")}
    for chunk in _chunks(rows):
        existing = {}
        if spec.model is not None:
            pks = [r.existing_pk for r in chunk if r.existing_pk is not None]
            existing = spec.model._base_manager.in_bulk(pks) if pks else {}
        for row in chunk:
            instance = _prepare(spec, row, existing, defaults) if spec.model is not None else None
            if spec.validate_row is not None:
                try:
                    spec.validate_row(dict(row.values), instance, user)
                except ValidationError as exc:
                    _report(spec, row, exc, result)
            if instance is not None:
                try:
                    instance.full_clean(exclude=pre_checked | row.bad, validate_unique=False,
                                        validate_constraints=False)
                except ValidationError as exc:
                    _report(spec, row, exc, result)
                except ObjectDoesNotExist:
                    if not row.bad:  # a model's clean() reading a relation the row failed to give
                        raise


# -- applying ---------------------------------------------------------------------------------

def _apply(spec, rows, user, result):
    defaults = spec.default_values(user)
    saved = []  # (row number, pk)
    try:
        with transaction.atomic():
            for chunk in _chunks(rows):
                existing = {}
                if spec.model is not None:
                    pks = [r.existing_pk for r in chunk if r.existing_pk is not None]
                    existing = spec.model._base_manager.select_for_update().in_bulk(pks) if pks else {}
                for row in chunk:
                    instance = None
                    if spec.model is not None:
                        if row.existing_pk is not None and row.existing_pk not in existing:
                            result.add(row.number, spec.header_of(spec.key), "对应的记录已被删除，请重新导入")
                            raise _Rollback
                        instance = _prepare(spec, row, existing, defaults)
                    try:
                        if spec.save_row is not None:
                            obj = spec.save_row(dict(row.values), instance, user)
                        else:
                            instance.save()
                            obj = instance
                    except ValidationError as exc:  # a service's own rule: the whole file rolls back
                        _report(spec, row, exc, result)
                        raise _Rollback from None
                    except IntegrityError:  # e.g. the same key saved meanwhile by someone else
                        result.add(row.number, ROW_WIDE, "保存失败：与系统中已有数据冲突（可能刚被他人录入），请重新导入")
                        raise _Rollback from None
                    if row.existing_pk is not None:
                        result.updated += 1
                    else:
                        result.created += 1
                    pk = getattr(obj, "pk", None)
                    if pk is not None:
                        saved.append((row.number, pk))
            _check_saved_in_scope(spec, saved, user, result)
            if not result.ok:
                raise _Rollback
    except _Rollback:
        result.created = result.updated = 0


def _check_saved_in_scope(spec, saved, user, result):
    """Every saved record must be one the user can see: nothing lands outside their jurisdiction."""
    model = spec.model
    if not spec.check_scope or model is None or not hasattr(model._default_manager, "visible_to"):
        return
    for chunk in _chunks(saved):
        visible = set(model._default_manager.visible_to(user).filter(
            pk__in=[pk for _, pk in chunk]).values_list("pk", flat=True))
        for number, pk in chunk:
            if pk not in visible:
                result.add(number, ROW_WIDE, "该行数据不在您的管辖范围内")


# -- the public entry points --------------------------------------------------------------------

def _sort_errors(spec, result):
    """Errors in reading order: by row, then by column as the template lays them out."""
    order = {c.header: i for i, c in enumerate(spec.columns)}
    result.errors.sort(key=lambda e: (-1 if e.row is None else e.row, order.get(e.column, len(order))))


@contextmanager
def _acting(user):
    """Audit rows name the importing user even outside a request (commands, tests, tasks)."""
    current = context.current_user()
    if user is not None and (current is None or current.pk != user.pk):
        with context.acting_as(user):
            yield
    else:
        yield


def run_import(spec: ImportSpec, uploaded_file, user, *, update=False, filename=None) -> ImportResult:
    """Validate every row of an uploaded .xlsx; save all of them in one transaction or none."""
    update = bool(update and spec.key)
    result = ImportResult(title=spec.title, update=update, max_errors=spec.max_errors,
                          filename=(filename or getattr(uploaded_file, "name", "") or "")[:200])
    workbook = None
    with _acting(user):
        try:
            workbook = open_workbook(uploaded_file, spec.max_bytes)
            rows = _read_rows(spec, workbook, result, _Converter(spec))
        except Refused as exc:
            for error in exc.errors:
                result.add(*error)
            rows = []
        finally:
            if workbook is not None:
                workbook.close()
        if rows:
            _resolve_foreign_keys(spec, rows, user, result)
            _check_unique_in_file(spec, rows, result)
            if spec.model is not None:
                if update:
                    _match_existing(spec, rows, user)
                _check_unique_in_db(spec, rows, update, result)
            _validate_rows(spec, rows, user, result)
        if result.ok:
            _apply(spec, rows, user, result)
        _sort_errors(spec, result)
        detail = {"object": spec.title, "title": spec.title, "rows": result.rows, "filename": result.filename,
                  "update": update}
        if result.ok:
            detail.update(created=result.created, updated=result.updated)
        else:
            detail.update(errors=result.error_count)
        log_operation("import", user=user, success=result.ok, **detail)
    return result


# -- the template ------------------------------------------------------------------------------

REQUIRED_FONT = Font(bold=True, color="FF0000")
OPTIONAL_FONT = Font(bold=True, color="000000")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def data_sheet_title(spec) -> str:
    return (_SHEET_BAD.sub("", spec.title) or "导入数据")[:31]


def build_template(spec: ImportSpec, user=None) -> bytes:
    """The .xlsx template: a data sheet (headers, required ones in red with '*', dropdowns),
    an instructions sheet with every column's rules and allowed values, and a hidden list sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = data_sheet_title(spec)
    lists = wb.create_sheet(LIST_SHEET)
    lists.sheet_state = "hidden"
    list_col = 0
    last_row = spec.max_rows + 1
    for idx, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(idx)
        cell = ws.cell(row=1, column=idx, value=("*" if col.required else "") + col.header)
        cell.font = REQUIRED_FONT if col.required else OPTIONAL_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.comment = Comment(("必填。" if col.required else "选填。") + col.rules(spec.max_length_of(col)), "系统")
        ws.column_dimensions[letter].width = col.width
        if col.type in TEXT_LIKE:
            ws.column_dimensions[letter].number_format = "@"  # long codes must not become numbers
        elif col.type == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        options = [label for _, label in col.choice_list()]
        if options:
            list_col += 1
            list_letter = get_column_letter(list_col)
            for n, label in enumerate(options, start=1):
                lists.cell(row=n, column=list_col, value=label)
            dv = DataValidation(type="list", formula1=f"'{LIST_SHEET}'!${list_letter}$1:${list_letter}${len(options)}",
                                allow_blank=True, showErrorMessage=True, errorStyle="stop",
                                errorTitle="输入有误", error=f"请从下拉列表中选择{col.header}",
                                showInputMessage=True, promptTitle=col.header, prompt="请从下拉列表中选择")
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    _write_instructions(wb.create_sheet("填写说明", 1), spec, user)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_instructions(ws, spec, user):
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 26
    ws.append([f"{spec.title}导入模板 填写说明"])
    ws["A1"].font = TITLE_FONT
    key_col = spec.column(spec.key) if spec.key else None
    notes = [
        f"1. 请在“{data_sheet_title(spec)}”工作表中从第2行起逐行填写，不要修改、删除或移动第1行的表头。",
        "2. 表头为红色并带“*”的列为必填项。",
        f"3. 一次最多导入{spec.max_rows}行，文件不超过{spec.max_bytes // 1024 // 1024}MB，仅支持 .xlsx 格式。",
        "4. 系统会检查每一行：只要有一行有错误，整个文件都不会导入，并按行号列出全部错误；全部正确时一次性导入。",
        "5. 带下拉列表的列请从列表中选择，也可以填写对应的代码。",
    ]
    if key_col is not None:
        notes.append(f"6. 导入时勾选“更新已存在的记录”，则{key_col.header}已存在的记录将被更新（留空的选填列保持原值），"
                     f"不存在的新增；不勾选时，{key_col.header}已存在的行视为错误。")
    notes.extend(spec.notes)
    for note in notes:
        ws.append([note])
    ws.append([])
    ws.append(["列名", "是否必填", "填写要求", "示例"])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    references = []
    for col in spec.columns:
        options = col.choice_list()
        if col.reference is not None and user is not None:
            options = list(col.reference(user))
        rules = col.rules(spec.max_length_of(col))
        if options:
            if len(options) <= 12 and col.reference is None:
                rules += "。可选值：" + "、".join(str(label) for _, label in options)
            else:
                rules += f"。可选值见下方“{col.header}可选值”"
                references.append((col, options))
        ws.append([col.header, "是" if col.required else "否", rules, col.example])
        ws.cell(row=ws.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    for col, options in references:
        ws.append([])
        ws.append([f"{col.header}可选值"])
        ws.cell(row=ws.max_row, column=1).font = BOLD
        ws.append(["名称", "", "代码"])
        for value, label in options[:5000]:
            ws.append([str(label), "", str(value)])


def template_response(spec: ImportSpec, user=None) -> HttpResponse:
    name = f"{spec.title}导入模板.xlsx"
    response = HttpResponse(build_template(spec, user), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def error_report(result_errors, title="导入错误报告") -> bytes:
    """The errors of a refused import as an .xlsx (行号, 列, 错误说明)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 80
    ws.append(["行号", "列", "错误说明"])
    for err in result_errors:
        row, column, message = (err.row, err.column, err.message) if isinstance(err, RowError) else err
        ws.append([row if row is not None else "—", column, message])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = ["ImportColumn", "ImportResult", "ImportSpec", "Refused", "RowError", "build_template", "error_report",
           "open_workbook", "run_import", "template_response"]
