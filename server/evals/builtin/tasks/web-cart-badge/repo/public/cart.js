/** The cart: lines of { sku, name, price, qty } with prices in dollars. */
export function createCart() {
  const lines = [];
  return {
    add(product) {
      const line = lines.find((l) => l.sku === product.sku);
      if (line) line.qty += 1;
      else lines.push({ ...product, qty: 1 });
    },
    /** How many items the cart holds. */
    count() {
      return lines.length;
    },
    /** The cart's total in dollars. */
    total() {
      return lines.reduce((sum, l) => sum + l.price * l.qty, 0);
    },
  };
}
