/* Link-time layering check (cmake/modules.cmake): linked with one module's objects and those of
 * the modules it may use, and nothing else. It runs nothing; it only has to link. */
int main(void) { return 0; }
