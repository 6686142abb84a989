/* The claims list's actor filter: choosing an actor in the autocomplete reloads the list with
   ?actor=<id>, keeping the other filters (select2 announces a choice with a jQuery event). */
'use strict';
window.addEventListener('load', function () {
    if (!window.django || !django.jQuery) {
        return;
    }
    django.jQuery(document).on('change', 'select.actor-filter', function () {
        const params = new URLSearchParams(window.location.search);
        params.delete('p');
        if (this.value) {
            params.set('actor', this.value);
        } else {
            params.delete('actor');
        }
        window.location.search = params.toString();
    });
});
