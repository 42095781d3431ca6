import { createCart } from './cart.js';

export const PRODUCTS = [
  { sku: 'apple', name: 'Apple', price: 0.1 },
  { sku: 'pear', name: 'Pear', price: 0.2 },
  { sku: 'melon', name: 'Melon', price: 2.5 },
];

/** Renders the products into `root`, each with an Add button that updates the cart summary. */
export function mountShop(root, doc) {
  const cart = createCart();
  const render = () => {
    doc.getElementById('cart-count').textContent = String(cart.count());
    doc.getElementById('cart-total').textContent = `$${cart.total()}`;
  };
  for (const p of PRODUCTS) {
    const row = doc.createElement('div');
    row.className = 'product';
    const label = doc.createElement('span');
    label.textContent = `${p.name} — $${p.price.toFixed(2)}`;
    const button = doc.createElement('button');
    button.type = 'button';
    button.dataset.sku = p.sku;
    button.textContent = `Add ${p.name}`;
    button.addEventListener('click', () => {
      cart.add(p);
      render();
    });
    row.append(label, button);
    root.append(row);
  }
  render();
  return cart;
}
