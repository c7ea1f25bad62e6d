// The print views' button: print the page (the stylesheet's @media print leaves only the form).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
