"""Attach quantities and weights to the products they belong to, and list the items.

A quantity after a marker ("x2", "sl 3") belongs to the product before it. Other quantities and
weights go to the neighbouring product that is free and not behind a separator; when both
neighbours qualify, the comment's own style decides: "2 hộp nem" (number first) or "nem 2 hộp".
A weight that is a variant of the product becomes its variant; a second variant of the same
product starts a second item ("chè 500g 1 gói, 200g 2 gói").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from aggregator.core.parser.catalog import Catalog, ProductInfo
from aggregator.core.parser.elements import K_EACH, K_PRODUCT, K_QTY, K_SEP, K_WEIGHT, Element
from schema.parsing import ParsedItem


@dataclass(slots=True)
class Slot:
    """One product line being built."""

    code: str | None
    product: ProductInfo | None
    index: int  # element index, to look for separators
    qty: int | None = None
    variant: str | None = None

    def apply(self, element: Element) -> None:
        if element.kind is K_QTY:
            self.qty = element.qty
        else:
            self.variant = _variant(self.product, element)


def _sells(slot: Slot, element: Element) -> bool:
    """The slot's product has a variant equal to the element's weight."""
    product, measure = slot.product, element.measure
    return product is not None and measure is not None and measure in product.measures


def _variant(product: ProductInfo | None, element: Element) -> str | None:
    if product is None or element.measure is None:
        return None
    return product.variant_for(element.measure)


def _second_variant(slots: list[Slot], prev: Slot, index: int, element: Element) -> None:
    """A weight no slot took that is another variant of the product before: a second item."""
    if prev.variant is not None and _variant(prev.product, element) is not None:
        clone = Slot(prev.code, prev.product, index)
        clone.apply(element)
        slots.append(clone)


def assign(elements: Sequence[Element], catalog: Catalog) -> list[ParsedItem]:
    """The items of the elements: `Assigner(elements, catalog).run()`, with the commonest case,
    one product, read by `_one_product` without the machinery for several."""
    at = -1
    for index, element in enumerate(elements):
        if element.kind is K_PRODUCT:
            if at >= 0:
                return Assigner(elements, catalog).run()
            at = index
    if at < 0:
        return []  # no slot: nothing takes a quantity, and there is nothing to merge
    return _one_product(elements, at, catalog)


def _one_product(elements: Sequence[Element], at: int, catalog: Catalog) -> list[ParsedItem]:
    """What `Assigner.run` does when the only product is element `at`.

    Before it, no slot exists yet: a quantity or weight goes to the product (as its next) when
    it may take it and no clause break lies between them. After it, there is no next product:
    a quantity or weight goes to the last slot when it may take it, a postfix quantity only to
    a slot without one, and a weight it does not take may be a second variant (a new slot).
    """
    code = elements[at].code
    slot = Slot(code, catalog.products.get(code) if code is not None else None, at)
    slots = [slot]
    each: int | None = None
    reach = _reach(elements, at) if at else 0  # (a product first, as in "A01 x2": no call)
    for index, element in enumerate(elements):
        kind = element.kind
        if kind is K_EACH:
            each = element.qty
        elif kind is not K_QTY and kind is not K_WEIGHT:
            continue
        elif index < at:
            if index >= reach and _takes(slot, element):
                slot.apply(element)
        elif kind is K_QTY:  # _takes and apply, inline for the commonest element
            if slots[-1].qty is None:
                slots[-1].qty = element.qty
        elif _takes(slots[-1], element):
            slots[-1].apply(element)
        else:
            _second_variant(slots, slots[-1], index, element)
    return _lines(slots, each)


def _lines(slots: list[Slot], each: int | None) -> list[ParsedItem]:
    """The items of the slots of one product; `each`: the quantity of "mỗi thứ 2", if any."""
    if each is not None:
        for slot in slots:
            slot.qty = slot.qty or each
    if len(slots) > 1:
        return merge_slots(slots)
    slot = slots[0]
    if slot.code is None or slot.product is None:  # merge_slots' first case, without the call
        return []
    return [_item(slot.code, slot.qty or 1, slot.variant)]


def _reach(elements: Sequence[Element], at: int) -> int:
    """The first element before element `at` with no clause break between them."""
    reach = 0
    for index in range(at):
        element = elements[index]
        if element.kind is K_SEP and element.clause_break:
            reach = index + 1
    return reach


def _takes(slot: Slot, element: Element) -> bool:
    """A quantity goes to a slot without one, a weight to a slot without a variant whose product
    sells it."""
    if element.kind is K_QTY:
        return slot.qty is None
    return slot.variant is None and _sells(slot, element)


class Assigner:
    def __init__(self, elements: Sequence[Element], catalog: Catalog) -> None:
        self.elements = elements
        self.catalog = catalog
        self.slots: list[Slot] = []
        self.pending: dict[int, Slot] = {}  # slots waiting for the product at that index

    def run(self) -> list[ParsedItem]:
        each: int | None = None
        slots, pending = self.slots, self.pending
        for index, element in enumerate(self.elements):
            kind = element.kind
            if kind is K_PRODUCT:
                slot = pending.pop(index, None) if pending else None
                slots.append(slot or self._slot_for(index))
            elif kind is K_QTY or kind is K_WEIGHT:
                self._place(index, element)
            elif kind is K_EACH:
                each = element.qty
        if each is not None:
            for slot in self.slots:
                slot.qty = slot.qty or each
        return merge_slots(self.slots)

    def _slot_for(self, index: int) -> Slot:
        code = self.elements[index].code
        # catalog.product(code), without the call (no product has the code None)
        return Slot(code, self.catalog.products.get(code) if code is not None else None, index)

    def _place(self, index: int, element: Element) -> None:
        prev = self.slots[-1] if self.slots else None
        if element.postfix and prev is not None:
            if prev.qty is None:
                prev.qty = element.qty  # "x2" after a free product: the next one is not looked for
            # (else nothing takes it: the next product is only asked for when there is no prev)
            return
        nxt = self._next_product(index)
        prev_ok = prev is not None and _takes(prev, element)
        next_ok = nxt is not None and _takes(nxt, element)
        target: Slot | None = None
        if element.postfix:  # and no product before it
            target = nxt if next_ok else None
        elif prev_ok and next_ok and prev is not None and nxt is not None:
            before, after = self._separated(prev.index, index), self._separated(index, nxt.index)
            if before != after:
                target = nxt if before else prev
            else:
                # Asked here, not up front: most comments never get a quantity between two
                # products that could both take it.
                target = nxt if _number_first(self.elements) else prev
        else:
            target = prev if prev_ok else nxt if next_ok else None
        if target is not None:
            target.apply(element)
        elif prev is not None and element.kind is K_WEIGHT:
            _second_variant(self.slots, prev, index, element)

    def _next_product(self, index: int) -> Slot | None:
        """The next product in the same clause, as a pending slot."""
        for later in range(index + 1, len(self.elements)):
            element = self.elements[later]
            if element.kind is K_SEP and element.clause_break:
                return None
            if element.kind is K_PRODUCT:
                if later not in self.pending:
                    self.pending[later] = self._slot_for(later)
                return self.pending[later]
        return None

    def _separated(self, start: int, end: int) -> bool:
        return any(e.kind is K_SEP for e in self.elements[start + 1 : end])


def _number_first(elements: Sequence[Element]) -> bool:
    """Does the comment put numbers before products ("2 hộp nem") rather than after?"""
    for element in elements:
        if element.kind is K_PRODUCT:
            return False
        if element.kind is K_WEIGHT or (element.kind is K_QTY and not element.postfix):
            return True
    return False


def merge_slots(slots: Sequence[Slot]) -> list[ParsedItem]:
    """Items in order of appearance; a product named twice is one item (largest quantity);
    a bare mention is dropped when the same product also appears with details."""
    if len(slots) == 1:  # most orders: one line, nothing to merge
        slot = slots[0]
        if slot.code is None or slot.product is None:
            return []
        return [_item(slot.code, slot.qty or 1, slot.variant)]
    # Plain loops, not comprehensions: on Python 3.11 each comprehension is a call of its own.
    detailed = set()
    for slot in slots:
        if slot.qty is not None or slot.variant is not None:
            detailed.add(slot.code)
    merged: dict[tuple[str, str | None], int | None] = {}
    for slot in slots:
        if slot.code is None or slot.product is None:
            continue
        if slot.qty is None and slot.variant is None and slot.code in detailed:
            continue
        key = (slot.code, slot.variant)
        known = merged.get(key)
        merged[key] = slot.qty if known is None else max(known, slot.qty or 0)
    items = []
    for (code, variant), qty in merged.items():
        items.append(_item(code, qty or 1, variant))
    return items


@lru_cache(maxsize=4096)
def _item(code: str, qty: int, variant: str | None) -> ParsedItem:
    """One (frozen) item per code, quantity and variant: validating a new ParsedItem for every
    comment cost ~2 µs, a tenth of a reading, and the same few items recur all evening."""
    return ParsedItem(code=code, qty=qty, variant=variant)
