"""Test aids shipped with Sealbox. They may import anything; nothing in the product imports them."""
