// The topic page's date slider: where JavaScript runs, a range over the dates on which a
// position changed; moving it picks that date and shows the map as of it (the date form
// works the same without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.as-of");
  if (!form || !form.dataset.dates) return;
  const dates = form.dataset.dates.split(" ").filter(Boolean);
  const input = form.querySelector("#as_of");
  if (!dates.length || !input) return;
  const label = document.createElement("label");
  label.htmlFor = "as-of-slider";
  label.textContent = "Dates of changes";
  const slider = document.createElement("input");
  slider.type = "range";
  slider.id = "as-of-slider";
  slider.min = "0";
  slider.max = String(dates.length - 1);
  slider.step = "1";
  const current = dates.filter((d) => d <= input.value).length - 1;
  slider.value = String(Math.max(current, 0));
  slider.setAttribute("aria-valuetext", dates[Number(slider.value)]);
  slider.addEventListener("input", () => {
    input.value = dates[Number(slider.value)];
    slider.setAttribute("aria-valuetext", input.value);
  });
  slider.addEventListener("change", () => form.submit());
  form.append(label, slider);
});
