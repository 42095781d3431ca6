export type Currency = 'USD' | 'EUR' | 'GBP';

const SYMBOLS: Record<Currency, string> = { USD: '$', EUR: '€', GBP: '£' };

/** An amount in cents for people: formatMoney(123456, 'EUR') === '€1,234.56'. */
export function formatMoney(cents: number, currency: Currency): string {
  const whole = Math.floor(cents / 100);
  const fraction = cents % 100;
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${SYMBOLS[currency]}${grouped}.${fraction}`;
}
