import com.sun.tools.attach.VirtualMachine;
public class Attach {
  public static void main(String[] a) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(a[0]);
    try { vm.loadAgentPath(System.getProperty("ap.lib", System.getenv().getOrDefault("AP", "/tmp/ap") + "/linux-x64/libasyncProfiler.so"), a[1]); } finally { vm.detach(); }
  }
}
